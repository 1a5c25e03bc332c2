package dev.cocktail.models;

import java.util.Arrays;

/**
 * The activations of a forward pass of up to `rows` rows, allocated once: a decoding loop reuses
 * them from step to step (Llama.step), so that a new token allocates nothing.
 */
public final class StepBuffers {
    final float[] x, y, q, k, v, att, gate, up;
    /** The step's logits [rows x vocab], null when the pass needs none. */
    public final float[] logits;
    /** A step's token per row (the caller's input), its position, its RoPE tables [rows x headDim/2] (local: Gemma 3's sliding layers). */
    public final int[] ids;
    final int[] positions;
    final float[] cos, sin, localCos, localSin;
    /** A step's cached keys and values of the current layer, per row, and a length of 1 per row. */
    final float[][] keys, values;
    final int[] ones;

    public StepBuffers(LlamaConfig c, int rows, boolean logits) {
        int hd = c.headDim(), qDim = c.heads() * hd, kvDim = c.kvHeads() * hd;
        x = new float[rows * c.hiddenSize()];
        y = new float[rows * c.hiddenSize()];
        q = new float[rows * qDim];
        att = new float[rows * qDim];
        k = new float[rows * kvDim];
        v = new float[rows * kvDim];
        gate = new float[rows * c.intermediateSize()];
        up = new float[rows * c.intermediateSize()];
        this.logits = logits ? new float[rows * c.vocabSize()] : null;
        ids = new int[rows];
        positions = new int[rows];
        cos = new float[rows * hd / 2];
        sin = new float[rows * hd / 2];
        localCos = new float[rows * hd / 2];
        localSin = new float[rows * hd / 2];
        keys = new float[rows][];
        values = new float[rows][];
        ones = new int[rows];
        Arrays.fill(ones, 1);
    }
}
