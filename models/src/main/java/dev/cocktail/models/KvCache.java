package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.kernels.Kernels;
import java.util.Arrays;

/**
 * The keys and values (after RoPE) of every position seen so far, per layer, so that generating
 * one more token costs one token's forward pass instead of the whole sequence's. Each layer's keys
 * (and values) are stored transposed, [kvHeads * headDim x stride], positions along a row: the
 * layout in which one new query attends to all past positions with whole vectors (see
 * Kernels.cachedAttention).
 */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;
    private final int capacity;
    private final int stride;
    private int length;

    public KvCache(LlamaConfig config, int capacity) {
        this.kvDim = config.kvHeads() * config.headDim();
        this.capacity = capacity;
        this.stride = Kernels.cacheStride(capacity);
        this.keys = new float[config.layers()][kvDim * stride];
        this.values = new float[config.layers()][kvDim * stride];
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    int capacity() {
        return capacity;
    }

    int stride() {
        return stride;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /**
     * Stores `rows` new positions of one layer after the cached ones, from rows of kvDim floats at
     * k[ko..] and v[vo..] (the length moves on in advance()).
     */
    void put(int layer, float[] k, int ko, float[] v, int vo, int rows) {
        if (length + rows > capacity) {
            throw new CocktailException("the sequence grew past the " + capacity + " positions reserved for generation.");
        }
        float[] keyRows = keys[layer], valueRows = values[layer];
        for (int r = 0; r < rows; r++) {
            int p = length + r, from = (r * kvDim);
            for (int c = 0; c < kvDim; c++) {
                keyRows[c * stride + p] = k[ko + from + c];
                valueRows[c * stride + p] = v[vo + from + c];
            }
        }
    }

    void advance(int rows) {
        length += rows;
    }

    /** Empties the cache for another sequence; the positions it held are zeroed, as a new cache's are. */
    void clear() {
        for (int layer = 0; layer < keys.length; layer++) {
            for (int c = 0; c < kvDim; c++) {
                Arrays.fill(keys[layer], c * stride, c * stride + length, 0f);
                Arrays.fill(values[layer], c * stride, c * stride + length, 0f);
            }
        }
        length = 0;
    }
}
