package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * tokenizer.json "added_tokens": strings that are cut out of the text before anything else sees it, as
 * the Rust crate's AddedVocabulary does. Tokens with normalized=false are matched on the raw text; the
 * stretches between them are normalized, and tokens with normalized=true are matched, in their
 * normalized form, on those. Matching is leftmost-longest; a single_word token only counts when no word
 * character touches it; lstrip and rstrip make a token swallow the whitespace beside it.
 */
final class AddedTokens {

    record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {}

    /** Receives the text cut around added tokens, in order. */
    interface SegmentSink {
        /** Normalized text between added tokens; atStart when it begins at the start of the original text. */
        void text(String text, boolean atStart);

        /** An added token; content is the text it covers, stripped whitespace included. */
        void token(int id, String content);
    }

    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final Map<String, Integer> idByContent = new HashMap<>();
    private final Set<String> special = new HashSet<>();
    private final Trie raw = new Trie();
    private final Trie normalized = new Trie();

    AddedTokens(List<AddedToken> tokens, Normalizer normalizer) {
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            byId.put(t.id(), t);
            idByContent.put(t.content(), t.id());
            if (t.special()) special.add(t.content());
            if (t.normalized()) normalized.add(normalizer.normalize(t.content()), t);
            else raw.add(t.content(), t);
        }
    }

    /** The "added_tokens" list; an id is the model's own id for a token already in its vocabulary. */
    static List<AddedToken> fromJson(JsonNode list, Model model) {
        if (Json.isNull(list)) return List.of();
        if (!list.isArray()) throw Json.invalid("\"added_tokens\" must be a list");
        List<AddedToken> out = new ArrayList<>(list.size());
        for (JsonNode t : list) {
            String content = Json.text(t, "content");
            int id = model.tokenToId(content);
            if (id < 0) {
                JsonNode given = t.get("id");
                if (given == null || !given.canConvertToInt()) throw Json.invalid("added token '" + content + "' has no id");
                id = given.asInt();
            }
            out.add(new AddedToken(id, content, Json.bool(t, "single_word", false), Json.bool(t, "lstrip", false),
                    Json.bool(t, "rstrip", false), Json.bool(t, "normalized", true), Json.bool(t, "special", false)));
        }
        return out;
    }

    void split(String text, Normalizer normalizer, SegmentSink out) {
        cut(text, raw, true, new SegmentSink() {
            public void text(String piece, boolean atStart) {
                String norm = normalizer.normalize(piece);
                cut(norm, normalized, atStart, out);
            }

            public void token(int id, String content) {
                out.token(id, content);
            }
        });
    }

    /** The Rust crate's find_matches: the text cut around the trie's matches, empty stretches dropped. */
    private static void cut(String text, Trie trie, boolean atStart, SegmentSink out) {
        int n = text.length();
        int done = 0;
        for (int pos = 0; pos < n && !trie.isEmpty(); ) {
            Trie.Node match = trie.longestAt(text, pos);
            if (match == null) {
                pos++;
                continue;
            }
            int start = pos;
            int stop = pos + match.depth;
            pos = stop;
            AddedToken t = match.token;
            if (t.singleWord()) {
                boolean wordBefore = start > 0 && Chars.isWordCharacter(text.codePointBefore(start));
                boolean wordAfter = stop < n && Chars.isWordCharacter(text.codePointAt(stop));
                if (wordBefore || wordAfter) continue;
            }
            if (t.lstrip()) {
                int s = start;
                while (s > 0 && Chars.isWhitespace(text.codePointBefore(s))) s -= Character.charCount(text.codePointBefore(s));
                // whitespace the previous match swallowed is not taken twice
                start = Math.max(s, done);
            }
            if (t.rstrip()) {
                while (stop < n && Chars.isWhitespace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
            }
            if (done < start) out.text(text.substring(done, start), atStart && done == 0);
            out.token(t.id(), text.substring(start, stop));
            done = stop;
        }
        if (done < n) out.text(text.substring(done), atStart && done == 0);
    }

    /** The added token with this id, if any. */
    String content(int id) {
        AddedToken t = byId.get(id);
        return t == null ? null : t.content();
    }

    /** The id of the added token with this content, or -1. */
    int id(String content) {
        return idByContent.getOrDefault(content, -1);
    }

    /** Whether decoding with skipSpecialTokens drops this token string. */
    boolean isSpecial(String token) {
        return special.contains(token);
    }

    /** How many added tokens the model's vocabulary does not have. */
    int countOutside(Model model) {
        return (int) idByContent.keySet().stream().filter(c -> model.tokenToId(c) < 0).count();
    }

    /** A character trie of the token strings, for the longest one starting at a position. */
    private static final class Trie {
        static final class Node {
            final Map<Character, Node> children = new HashMap<>(4);
            AddedToken token;
            int depth;
        }

        private final Node root = new Node();
        /** Characters that start some token: most positions are rejected by this one lookup. */
        private final boolean[] starts = new boolean[0x10000];
        private boolean empty = true;

        void add(String s, AddedToken token) {
            if (s.isEmpty()) return;
            Node node = root;
            for (int i = 0; i < s.length(); i++) {
                Node parent = node;
                node = parent.children.computeIfAbsent(s.charAt(i), c -> new Node());
                node.depth = parent.depth + 1;
            }
            node.token = token;
            starts[s.charAt(0)] = true;
            empty = false;
        }

        boolean isEmpty() {
            return empty;
        }

        Node longestAt(String text, int pos) {
            if (!starts[text.charAt(pos)]) return null;
            Node node = root;
            Node found = null;
            for (int i = pos; i < text.length(); i++) {
                node = node.children.get(text.charAt(i));
                if (node == null) break;
                if (node.token != null) found = node;
            }
            return found;
        }
    }
}
