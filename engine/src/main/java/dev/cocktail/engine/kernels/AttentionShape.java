package dev.cocktail.engine.kernels;

/**
 * The geometry and masks of one attention call. Sequence b holds lengths[b] real tokens at the
 * start of its seqLen rows; keys past that are masked (query rows past it are computed like any
 * other, which BERT's padded outputs need). Causal masks keys after the query; window, when
 * positive, also masks keys at or before query - window (Mistral's sliding window).
 * Query head h reads kv head h / (heads / kvHeads). Scores are scaled by `scale`.
 */
public record AttentionShape(int batch, int seqLen, int[] lengths, int heads, int kvHeads, int headDim,
                             float scale, boolean causal, int window) {
    public AttentionShape {
        if (lengths.length != batch) throw new IllegalArgumentException("lengths " + lengths.length + " != batch " + batch);
        for (int len : lengths) {
            if (len < 1 || len > seqLen) throw new IllegalArgumentException("sequence length " + len + " outside 1.." + seqLen);
        }
        if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " heads not a multiple of " + kvHeads + " kv heads");
    }
}
