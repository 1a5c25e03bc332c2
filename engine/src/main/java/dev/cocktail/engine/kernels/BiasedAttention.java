package dev.cocktail.engine.kernels;

/**
 * The geometry of an attention whose scores are q . k plus an additive bias, with no scaling (T5's:
 * its 1/sqrt(d) is folded into the initialization of q), and whose queries and keys may differ in
 * number (cross-attention reads an encoder's rows). Keys at or past keyLengths[b] get weight exactly
 * 0 (an encoder's padding); with causal, keys after the query's position too.
 *
 * @param queries    query rows per sequence: sequence b's query i is row b * queries + i, at position past + i
 * @param keyRows    key and value rows per sequence: sequence b's key j is row b * keyRows + j
 * @param keyLengths keys a query of sequence b may see at most
 * @param bias       by relative position, or null: head h, key j, query position p add
 *                   bias[h * (past + queries - 1 + keyRows) + j - p + past + queries - 1]
 */
public record BiasedAttention(int batch, int queries, int keyRows, int[] keyLengths, int heads, int headDim, int past,
                              boolean causal, float[] bias) {

    public BiasedAttention {
        if (keyLengths.length != batch) throw new IllegalArgumentException("key lengths " + keyLengths.length + " != batch " + batch);
        for (int len : keyLengths) {
            if (len < 1 || len > keyRows) throw new IllegalArgumentException("key length " + len + " outside 1.." + keyRows);
        }
        if (bias != null && bias.length < heads * biasSpan(past, queries, keyRows)) throw new IllegalArgumentException("bias too short");
    }

    /** Relative positions a bias covers per head: from -(past + queries - 1) to keyRows - 1. */
    public static int biasSpan(int past, int queries, int keyRows) {
        return past + queries - 1 + keyRows;
    }
}
