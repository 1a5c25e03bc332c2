package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding: a word starts as one symbol per character and the ranked merges are applied,
 * lowest rank first (leftmost first among equals), until no adjacent pair has a merge. A priority queue
 * over a linked list of symbols keeps this O(n log n) even when a whole 200 kB text is one word.
 */
final class Bpe implements Model {
    /** Words seen before are looked up, not merged again; like the Rust crate, stop adding when full. */
    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHEABLE_LENGTH = 256;

    private final Vocab vocab;
    private final PairMap merges;
    private final String unkToken;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    /** Ids of the one-character tokens for characters in the BMP, or -1: the hot path of the first step. */
    private final int[] charIds;
    /** Ids of the byte tokens "<0x00>".."<0xFF>", or -1. */
    private final int[] byteIds;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private Bpe(Vocab vocab, PairMap merges, String unkToken, boolean fuseUnk, boolean byteFallback,
                boolean ignoreMerges, String prefix, String suffix) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkToken = unkToken;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix;
        this.suffix = suffix;
        charIds = new int[0x10000];
        Arrays.fill(charIds, -1);
        vocab.ids().forEach((token, id) -> {
            if (token.length() == 1 && !Character.isSurrogate(token.charAt(0))) charIds[token.charAt(0)] = id;
        });
        byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.id(String.format("<0x%02X>", b));
    }

    /** The model's fields, with its vocab and merges (token id pairs in rank order) read apart from the tree. */
    static Bpe fromJson(JsonNode node, Map<String, Integer> ids, int[] pairs) {
        JsonNode dropout = node.get("dropout");
        if (!Json.isNull(dropout) && dropout.asDouble() != 0.0) {
            throw Json.invalid("BPE dropout " + dropout + " is not supported (it makes tokenization random)");
        }
        String prefix = Json.optionalText(node, "continuing_subword_prefix");
        if (pairs == null) throw Json.invalid("the BPE model's \"merges\" must be a list");
        Vocab vocab = Vocab.of(ids);
        PairMap merges = new PairMap(pairs.length / 2);
        // a merge's tokens are those its ids name: the same strings, as ids come from one token each
        // (a vocabulary that gives one id to two tokens has its merges joined from the one Vocab.token keeps)
        for (int rank = 0; rank < pairs.length / 2; rank++) {
            int left = pairs[2 * rank], right = pairs[2 * rank + 1];
            String r = vocab.token(right);
            String joined = vocab.token(left) + (prefix != null && r.startsWith(prefix) ? r.substring(prefix.length()) : r);
            int merged = vocab.id(joined);
            if (merged < 0) throw Json.invalid("merge token '" + joined + "' is not in the vocabulary");
            merges.put(left, right, rank, merged);
        }
        return new Bpe(vocab, merges, Json.optionalText(node, "unk_token"), Json.bool(node, "fuse_unk", false),
                Json.bool(node, "byte_fallback", false), Json.bool(node, "ignore_merges", false),
                prefix, Json.optionalText(node, "end_of_word_suffix"));
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = merge(symbols(word));
            if (word.length() < CACHEABLE_LENGTH && cache.size() < CACHE_CAPACITY) cache.put(word, ids);
        }
        out.addAll(ids);
    }

    /** The word's first symbols: its characters, else their byte tokens, else the unknown token. */
    private IntList symbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean plain = prefix == null && suffix == null;
        boolean unkPending = false;
        for (int i = 0; i < word.length(); ) {
            int c = word.codePointAt(i);
            int end = i + Character.charCount(c);
            String piece = null;
            int id;
            if (plain && c < 0x10000) {
                id = charIds[c];
            } else {
                piece = word.substring(i, end);
                if (prefix != null && i > 0) piece = prefix + piece;
                if (suffix != null && end == word.length()) piece = piece + suffix;
                id = vocab.id(piece);
            }
            if (id >= 0) {
                if (unkPending) symbols.add(unkId());
                unkPending = false;
                symbols.add(id);
            } else if (!(byteFallback && addBytes(piece != null ? piece : word.substring(i, end), symbols)) && unkToken != null) {
                // An unknown waiting to be written stays waiting through byte tokens, as in the Rust crate.
                if (unkPending && !fuseUnk) symbols.add(unkId());
                unkPending = true;
            }
            i = end;
        }
        if (unkPending) symbols.add(unkId());
        return symbols;
    }

    private boolean addBytes(String piece, IntList symbols) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) symbols.add(byteIds[b & 0xFF]);
        return true;
    }

    private int unkId() {
        int id = vocab.id(unkToken);
        if (id < 0) throw new TokenizerException("the BPE unk_token '" + unkToken + "' is not in the vocabulary");
        return id;
    }

    /**
     * Applies the merges. Queue entries are rank << 32 | position of the left symbol; an entry is stale
     * when its symbol was absorbed or its pair changed, which shows as the pair no longer having that rank
     * (a pair's concatenation only grows, so an old rank never comes back).
     */
    private int[] merge(IntList symbols) {
        int n = symbols.size();
        if (n < 2) return symbols.toArray();
        int[] ids = symbols.toArray();
        int[] prev = new int[n];
        int[] next = new int[n];
        MergeQueue queue = new MergeQueue(n);
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) queue.offer(merges.get(ids[i], ids[i + 1]), i);
        }
        int count = n;
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) continue;
            long merge = merges.get(ids[pos], ids[right]);
            if (merge == PairMap.ABSENT || merge >>> 32 != top >>> 32) continue;
            ids[pos] = (int) merge;
            ids[right] = -1;
            count--;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) prev[after] = pos;
            if (prev[pos] >= 0) queue.offer(merges.get(ids[prev[pos]], ids[pos]), prev[pos]);
            if (after >= 0) queue.offer(merges.get(ids[pos], ids[after]), pos);
        }
        int[] out = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i]) out[k++] = ids[i];
        return out;
    }

    /** A binary min-heap of longs. */
    private static final class MergeQueue {
        private long[] heap;
        private int size;

        MergeQueue(int capacity) {
            heap = new long[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        /** Queues the merge found for the pair at pos, if there is one. */
        void offer(long merge, int pos) {
            if (merge == PairMap.ABSENT) return;
            if (size == heap.length) heap = Arrays.copyOf(heap, size * 2);
            long entry = (merge >>> 32) << 32 | pos;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= entry) break;
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = entry;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && heap[child + 1] < heap[child]) child++;
                if (heap[child] >= last) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }

    @Override
    public Vocab vocab() {
        return vocab;
    }
}
