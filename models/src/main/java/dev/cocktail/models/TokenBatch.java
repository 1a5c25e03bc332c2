package dev.cocktail.models;

import java.util.Arrays;
import java.util.List;

/**
 * Token sequences padded on the right to the longest: ids is [batch x seqLen] row-major, and
 * sequence b holds lengths[b] real tokens followed by padding.
 */
public record TokenBatch(int[] ids, int batch, int seqLen, int[] lengths) {

    public static TokenBatch of(List<int[]> sequences, int padId) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("empty batch");
        int seqLen = 0;
        for (int[] s : sequences) {
            if (s.length == 0) throw new IllegalArgumentException("empty sequence in a batch");
            seqLen = Math.max(seqLen, s.length);
        }
        int[] ids = new int[sequences.size() * seqLen], lengths = new int[sequences.size()];
        Arrays.fill(ids, padId);
        for (int b = 0; b < sequences.size(); b++) {
            int[] s = sequences.get(b);
            System.arraycopy(s, 0, ids, b * seqLen, s.length);
            lengths[b] = s.length;
        }
        return new TokenBatch(ids, sequences.size(), seqLen, lengths);
    }

    public int rows() {
        return batch * seqLen;
    }
}
