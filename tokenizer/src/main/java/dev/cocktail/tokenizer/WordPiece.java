package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * WordPiece: greedy longest-match-first from the left, pieces after the first carrying the continuing
 * prefix ("##"); a word with any unmatchable rest, or longer than max_input_chars_per_word characters,
 * is the unknown token as a whole.
 */
final class WordPiece implements Model {
    private final Vocab vocab;
    private final String unkToken;
    private final String prefix;
    private final int maxChars;

    private WordPiece(Map<String, Integer> vocab, String unkToken, String prefix, int maxChars) {
        this.vocab = Vocab.of(vocab);
        this.unkToken = unkToken;
        this.prefix = prefix;
        this.maxChars = maxChars;
    }

    static WordPiece fromJson(JsonNode node, Map<String, Integer> vocab) {
        String prefix = Json.optionalText(node, "continuing_subword_prefix");
        String unk = Json.optionalText(node, "unk_token");
        return new WordPiece(vocab, unk == null ? "[UNK]" : unk, prefix == null ? "##" : prefix,
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
                found = vocab.id(piece);
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
        int id = vocab.id(unkToken);
        if (id < 0) throw new TokenizerException("the WordPiece unk_token '" + unkToken + "' is not in the vocabulary");
        return id;
    }

    @Override
    public Vocab vocab() {
        return vocab;
    }
}
