package dev.cocktail.tokenizer;

import java.util.Map;

/** A model's vocabulary both ways: token to id, and id to token (null in gaps). */
record Vocab(Map<String, Integer> ids, String[] tokens) {

    static Vocab of(Map<String, Integer> ids) {
        return new Vocab(ids, Model.reverse(ids));
    }

    /** The token's id, or -1. */
    int id(String token) {
        return ids.getOrDefault(token, -1);
    }

    /** The id's token, or null. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    int size() {
        return ids.size();
    }
}
