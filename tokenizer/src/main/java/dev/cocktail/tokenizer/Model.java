package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** tokenizer.json "model": turns one word into token ids. */
sealed interface Model permits Bpe, WordPiece {

    /** Appends the ids of the word's tokens. */
    void tokenize(String word, IntList out);

    Vocab vocab();

    /** The token's id, or -1. */
    default int tokenToId(String token) {
        return vocab().id(token);
    }

    /** The id's token, or null. */
    default String idToToken(int id) {
        return vocab().token(id);
    }

    default int vocabSize() {
        return vocab().size();
    }

    /** The file's "model", its vocab and merges read apart from the tree. */
    static Model fromJson(TokenizerJson file) {
        JsonNode node = file.root().get("model");
        if (Json.isNull(node)) throw Json.invalid("no \"model\"");
        // Very old files leave out the model's type; BPE is the only one with merges.
        String type = node.has("type") ? Json.type(node, "model") : file.merges() != null ? "BPE" : "WordPiece";
        return switch (type) {
            case "BPE" -> Bpe.fromJson(node, file.requireVocab(), file.merges());
            case "WordPiece" -> WordPiece.fromJson(node, file.requireVocab());
            default -> throw Json.unsupported("model", type);
        };
    }

    /**
     * Reverse of the vocab, indexed by id; gaps are null. Real vocabularies number their tokens
     * 0..n-1; ids far beyond the token count are refused rather than sized into an array.
     */
    static String[] reverse(Map<String, Integer> vocab) {
        int max = -1;
        for (int id : vocab.values()) {
            if (id < 0) throw Json.invalid("the vocabulary has a negative id " + id);
            max = Math.max(max, id);
        }
        if (max >= 2L * vocab.size() + 1024) {
            throw Json.invalid("the vocabulary numbers " + vocab.size() + " tokens up to id " + max + ", leaving most ids unused");
        }
        String[] out = new String[max + 1];
        vocab.forEach((token, id) -> out[id] = token);
        return out;
    }
}
