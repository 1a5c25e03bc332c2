package dev.cocktail.tokenizer;

import java.util.List;

/**
 * One encoded text: token ids, the token strings, and the type id of every token (the segment, 0 for
 * a single text). The arrays are the caller's to read; they are not copied.
 */
public record Encoding(int[] ids, List<String> tokens, int[] typeIds) {
    public int length() {
        return ids.length;
    }
}
