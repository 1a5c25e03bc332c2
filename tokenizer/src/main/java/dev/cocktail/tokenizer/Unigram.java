package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece's Unigram model: a word is cut into the pieces whose scores (log probabilities) add up
 * to the most, found by Viterbi over every piece that starts at every character. A character no piece
 * covers alone is unknown, scored (lowest piece score - 10); consecutive unknown characters fuse into one
 * token whose string is the text they cover. Ties keep the first candidate found, shortest piece first,
 * as the Rust library does.
 */
final class Unigram implements Model {
    private static final double UNKNOWN_PENALTY = 10.0;
    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHEABLE_LENGTH = 256;

    private final Vocab vocab;
    private final double[] scores;
    /** -1 when the file has none: an unknown character is then an error. */
    private final int unkId;
    private final boolean byteFallback;
    private final double unkScore;
    private final PieceTrie trie;
    /** Ids of the byte tokens "<0x00>".."<0xFF>", or -1. */
    private final int[] byteIds = new int[256];
    private final Map<String, Tokens> cache = new ConcurrentHashMap<>();

    /** A word's ids and token strings. */
    private record Tokens(int[] ids, String[] strings) {}

    private Unigram(String[] pieces, double[] scores, int unkId, boolean byteFallback) {
        Map<String, Integer> ids = HashMap.newHashMap(pieces.length);
        double min = Double.POSITIVE_INFINITY;
        for (int id = 0; id < pieces.length; id++) {
            // a piece listed twice is found under its last id, as in the Rust library
            ids.put(pieces[id], id);
            min = Math.min(min, scores[id]);
        }
        this.vocab = new Vocab(ids, pieces);
        this.scores = scores;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.unkScore = min - UNKNOWN_PENALTY;
        this.trie = new PieceTrie(ids);
        for (int b = 0; b < 256; b++) byteIds[b] = ids.getOrDefault(String.format("<0x%02X>", b), -1);
    }

    static Unigram fromJson(JsonNode node) {
        JsonNode list = node.get("vocab");
        if (list == null || !list.isArray()) throw Json.invalid("the Unigram model's \"vocab\" must be a list of [piece, score]");
        String[] pieces = new String[list.size()];
        double[] scores = new double[list.size()];
        for (int id = 0; id < pieces.length; id++) {
            JsonNode entry = list.get(id);
            if (!entry.isArray() || entry.size() != 2 || !entry.get(0).isTextual() || !entry.get(1).isNumber()) {
                throw Json.invalid("the Unigram piece table's entry " + id + " " + Json.brief(entry) + " is not [piece, score]");
            }
            pieces[id] = entry.get(0).asText();
            scores[id] = entry.get(1).asDouble();
        }
        int unkId = Json.integer(node, "unk_id", -1);
        if (!Json.isNull(node.get("unk_id")) && (unkId < 0 || unkId >= pieces.length)) {
            throw Json.invalid("the Unigram model's unk_id " + unkId + " is not an id of its " + pieces.length + " pieces");
        }
        return new Unigram(pieces, scores, unkId, Json.bool(node, "byte_fallback", false));
    }

    /**
     * Refuses added tokens whose ids name other pieces: the piece table then does not match the ids the
     * rest of the file (and the model's embedding rows) use.
     */
    void checkAddedTokens(JsonNode added) {
        if (Json.isNull(added) || !added.isArray()) return;
        for (JsonNode t : added) {
            JsonNode id = t.get("id");
            String content = Json.optionalText(t, "content");
            if (content == null || id == null || !id.canConvertToInt()) continue;
            String piece = vocab.token(id.asInt());
            if (piece != null && !piece.equals(content)) {
                throw Json.invalid("the Unigram piece table does not match its ids: added token '" + content + "' has id "
                        + id.asInt() + " but the piece with that id is '" + piece + "'");
            }
        }
    }

    @Override
    public Vocab vocab() {
        return vocab;
    }

    /** Every piece counts, also one listed twice (Rust's get_vocab_size). */
    @Override
    public int vocabSize() {
        return vocab.tokens().length;
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (!word.isEmpty()) out.addAll(tokens(word).ids());
    }

    @Override
    public void tokenize(String word, IntList ids, List<String> strings) {
        if (word.isEmpty()) return;
        Tokens t = tokens(word);
        ids.addAll(t.ids());
        for (String s : t.strings()) strings.add(s);
    }

    private Tokens tokens(String word) {
        Tokens t = cache.get(word);
        if (t == null) {
            t = resolve(viterbi(word));
            if (word.length() < CACHEABLE_LENGTH && cache.size() < CACHE_CAPACITY) cache.put(word, t);
        }
        return t;
    }

    /** The best segmentation's pieces as strings, unknown runs fused. */
    private List<String> viterbi(String word) {
        int n = word.length();
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] idAt = new int[n + 1];
        Arrays.fill(from, -1);
        for (int start = 0; start < n; ) {
            double base = best[start];
            int charLength = Character.charCount(word.codePointAt(start));
            boolean single = false;
            int node = PieceTrie.ROOT;
            for (int end = start; end < n; ) {
                node = trie.child(node, word.charAt(end++));
                if (node < 0) break;
                int id = trie.piece(node);
                if (id < 0) continue;
                double candidate = scores[id] + base;
                if (from[end] < 0 || candidate > best[end]) {
                    best[end] = candidate;
                    from[end] = start;
                    idAt[end] = id;
                }
                if (end - start == charLength) single = true;
            }
            if (!single) {
                if (unkId < 0) throw new TokenizerException("the Unigram model has no unk_id, but no piece covers '" + word.substring(start, start + charLength) + "'");
                int end = start + charLength;
                double candidate = unkScore + base;
                if (from[end] < 0 || candidate > best[end]) {
                    best[end] = candidate;
                    from[end] = start;
                    idAt[end] = unkId;
                }
            }
            start += charLength;
        }
        List<String> pieces = new ArrayList<>();
        int unknownEnd = -1;
        for (int end = n; end > 0; ) {
            int start = from[end];
            if (idAt[end] == unkId) {
                if (unknownEnd < 0) unknownEnd = end;
            } else {
                if (unknownEnd >= 0) pieces.add(word.substring(end, unknownEnd));
                unknownEnd = -1;
                pieces.add(word.substring(start, end));
            }
            end = start;
        }
        if (unknownEnd >= 0) pieces.add(word.substring(0, unknownEnd));
        Collections.reverse(pieces);
        return pieces;
    }

    /** Ids for the piece strings: a fused unknown run is the unknown token, or its bytes with byte_fallback. */
    private Tokens resolve(List<String> pieces) {
        IntList ids = new IntList(pieces.size());
        List<String> strings = new ArrayList<>(pieces.size());
        for (String piece : pieces) {
            int id = vocab.id(piece);
            if (id < 0 && byteFallback && addBytes(piece, ids, strings)) continue;
            ids.add(id >= 0 ? id : unkId);
            strings.add(piece);
        }
        return new Tokens(ids.toArray(), strings.toArray(String[]::new));
    }

    /** The piece as "<0xXX>" byte tokens, when the vocabulary has all of them. */
    private boolean addBytes(String piece, IntList ids, List<String> strings) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) {
            ids.add(byteIds[b & 0xFF]);
            strings.add(String.format("<0x%02X>", b & 0xFF));
        }
        return true;
    }

    /**
     * The pieces as a character trie in one open-addressing table of (node, char) -> child edges, each
     * packed into a long (24-bit node, 16-bit char, 24-bit child; 0 is an empty slot, as no edge leads to
     * the root): walking it from a position finds every piece that starts there, shortest first.
     */
    private static final class PieceTrie {
        static final int ROOT = 0;
        private static final int MAX_NODES = 1 << 24;
        private long[] edges;
        private int mask;
        private int size;
        /** The piece id ending at each node, or -1. */
        private int[] pieceAt = new int[1024];
        private int nodes = 1;

        PieceTrie(Map<String, Integer> pieces) {
            edges = new long[Integer.highestOneBit(Math.max(16, pieces.size() * 4)) * 2];
            mask = edges.length - 1;
            Arrays.fill(pieceAt, -1);
            pieces.forEach((piece, id) -> {
                if (piece.isEmpty()) return;
                int node = ROOT;
                for (int i = 0; i < piece.length(); i++) node = childOrAdd(node, piece.charAt(i));
                pieceAt[node] = id;
            });
        }

        /** The edge's (node, char) part, in the high 40 bits. */
        private static long key(int node, char c) {
            return ((long) node << 16 | c) << 24;
        }

        private static int slot(long key, int mask) {
            return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
        }

        int child(int node, char c) {
            long key = key(node, c);
            for (int s = slot(key, mask); ; s = (s + 1) & mask) {
                long e = edges[s];
                if ((e & ~0xFFFFFFL) == key && e != 0) return (int) (e & 0xFFFFFF);
                if (e == 0) return -1;
            }
        }

        int piece(int node) {
            return pieceAt[node];
        }

        private int childOrAdd(int node, char c) {
            int found = child(node, c);
            if (found >= 0) return found;
            if (nodes == MAX_NODES) throw Json.invalid("the Unigram piece table has more than " + MAX_NODES + " trie nodes");
            // at most three quarters full, so that probes stay short
            if ((size + 1) * 4L > edges.length * 3L) grow();
            int id = nodes++;
            if (id == pieceAt.length) {
                pieceAt = Arrays.copyOf(pieceAt, id * 2);
                Arrays.fill(pieceAt, id, id * 2, -1);
            }
            insert(key(node, c) | id);
            return id;
        }

        private void insert(long edge) {
            int s = slot(edge & ~0xFFFFFFL, mask);
            while (edges[s] != 0) s = (s + 1) & mask;
            edges[s] = edge;
            size++;
        }

        private void grow() {
            long[] old = edges;
            edges = new long[old.length * 2];
            mask = edges.length - 1;
            size = 0;
            for (long e : old) if (e != 0) insert(e);
        }
    }
}
