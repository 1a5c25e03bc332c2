package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * WordPiece: greedy longest-match-first from the left, pieces after the first carrying the continuing
 * prefix ("##"); a word with any unmatchable rest, or longer than max_input_chars_per_word characters,
 * is the unknown token as a whole.
 */
final class WordPiece implements Model {
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final String unkToken;
    private final String prefix;
    private final int maxChars;

    private WordPiece(Map<String, Integer> vocab, String unkToken, String prefix, int maxChars) {
        this.vocab = vocab;
        this.tokens = Model.reverse(vocab);
        this.unkToken = unkToken;
        this.prefix = prefix;
        this.maxChars = maxChars;
    }

    static WordPiece fromJson(JsonNode node) {
        String prefix = Json.optionalText(node, "continuing_subword_prefix");
        String unk = Json.optionalText(node, "unk_token");
        return new WordPiece(Model.vocab(node), unk == null ? "[UNK]" : unk, prefix == null ? "##" : prefix,
                Json.integer(node, "max_input_chars_per_word", 100));
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (word.codePointCount(0, word.length()) > maxChars) {
            out.add(unkId());
            return;
        }
        IntList pieces = new IntList(4);
        for (int start = 0; start < word.length(); ) {
            int found = -1;
            int end = word.length();
            while (start < end) {
                String piece = start > 0 ? prefix + word.substring(start, end) : word.substring(start, end);
                found = vocab.getOrDefault(piece, -1);
                if (found >= 0) break;
                end -= Character.charCount(word.codePointBefore(end));
            }
            if (found < 0) {
                out.add(unkId());
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces.toArray());
    }

    private int unkId() {
        Integer id = vocab.get(unkToken);
        if (id == null) throw new TokenizerException("the WordPiece unk_token '" + unkToken + "' is not in the vocabulary");
        return id;
    }

    @Override
    public int tokenToId(String token) {
        return vocab.getOrDefault(token, -1);
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }
}
