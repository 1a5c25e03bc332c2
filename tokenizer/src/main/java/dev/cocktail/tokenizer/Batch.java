package dev.cocktail.tokenizer;

import java.util.List;

/** Encodings padded on the right to the longest one: ids, and a mask that is 1 on real tokens, 0 on padding. */
public record Batch(int[][] ids, int[][] attentionMask) {

    public static Batch pad(List<Encoding> encodings, int padId) {
        int longest = 0;
        for (Encoding e : encodings) longest = Math.max(longest, e.length());
        int[][] ids = new int[encodings.size()][longest];
        int[][] mask = new int[encodings.size()][longest];
        for (int row = 0; row < ids.length; row++) {
            int[] source = encodings.get(row).ids();
            java.util.Arrays.fill(ids[row], padId);
            System.arraycopy(source, 0, ids[row], 0, source.length);
            java.util.Arrays.fill(mask[row], 0, source.length, 1);
        }
        return new Batch(ids, mask);
    }
}
