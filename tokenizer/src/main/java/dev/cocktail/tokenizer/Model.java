package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** tokenizer.json "model": turns one word into token ids. */
sealed interface Model permits Bpe, WordPiece, Unigram {

    /** Appends the ids of the word's tokens. */
    void tokenize(String word, IntList out);

    /** Appends the ids of the word's tokens and their strings (the vocabulary's, unless the model says otherwise). */
    default void tokenize(String word, IntList ids, List<String> tokens) {
        int before = ids.size();
        tokenize(word, ids);
        for (int i = before; i < ids.size(); i++) tokens.add(idToToken(ids.get(i)));
    }

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

    static Model fromJson(JsonNode node) {
        if (Json.isNull(node)) throw Json.invalid("no \"model\"");
        // Very old files leave out the model's type; BPE is the only one with merges.
        String type = node.has("type") ? Json.type(node, "model") : node.has("merges") ? "BPE" : "WordPiece";
        return switch (type) {
            case "BPE" -> Bpe.fromJson(node);
            case "WordPiece" -> WordPiece.fromJson(node);
            case "Unigram" -> Unigram.fromJson(node);
            default -> throw Json.unsupported("model", type);
        };
    }

    /** The "vocab" object: token to id. */
    static Map<String, Integer> vocab(JsonNode node) {
        JsonNode vocab = node.get("vocab");
        if (vocab == null || !vocab.isObject()) throw Json.invalid("the model's \"vocab\" must be an object of token: id");
        Map<String, Integer> out = HashMap.newHashMap(vocab.size());
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw Json.invalid("vocab entry '" + e.getKey() + "' has no valid id");
            }
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
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
