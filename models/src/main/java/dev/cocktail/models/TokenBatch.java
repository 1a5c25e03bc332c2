package dev.cocktail.models;

import java.util.Arrays;
import java.util.List;

/**
 * Token sequences padded on the right to the longest: ids is [batch x seqLen] row-major, and
 * sequence b holds lengths[b] real tokens followed by padding. typeIds, laid out like ids, are the
 * segments of pairs (BERT's token_type_ids), or null when every token is of type 0.
 */
public record TokenBatch(int[] ids, int batch, int seqLen, int[] lengths, int[] typeIds) {

    public static TokenBatch of(List<int[]> sequences, int padId) {
        return of(sequences, null, padId);
    }

    /** types: one array per sequence, as long as it, or null for type 0 everywhere; padding is type 0. */
    public static TokenBatch of(List<int[]> sequences, List<int[]> types, int padId) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("empty batch");
        int seqLen = 0;
        for (int[] s : sequences) {
            if (s.length == 0) throw new IllegalArgumentException("empty sequence in a batch");
            seqLen = Math.max(seqLen, s.length);
        }
        int[] ids = new int[sequences.size() * seqLen], lengths = new int[sequences.size()];
        int[] typeIds = types == null ? null : new int[ids.length];
        Arrays.fill(ids, padId);
        for (int b = 0; b < sequences.size(); b++) {
            int[] s = sequences.get(b);
            System.arraycopy(s, 0, ids, b * seqLen, s.length);
            lengths[b] = s.length;
            if (types != null) {
                if (types.get(b).length != s.length) throw new IllegalArgumentException("type ids and ids differ in length");
                System.arraycopy(types.get(b), 0, typeIds, b * seqLen, s.length);
            }
        }
        return new TokenBatch(ids, sequences.size(), seqLen, lengths, typeIds);
    }

    public int rows() {
        return batch * seqLen;
    }
}
