package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;

/**
 * The keys and values (after RoPE, in a Llama) of every position seen so far, per layer, so that generating
 * one more token costs one token's forward pass instead of the whole sequence's.
 */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;
    private final int capacity;
    private int length;

    public KvCache(LlamaConfig config, int capacity) {
        this(config.layers(), config.kvHeads() * config.headDim(), capacity);
    }

    /** Room for `capacity` positions of `layers` layers of keys and values `kvDim` wide. */
    public KvCache(int layers, int kvDim, int capacity) {
        this.kvDim = kvDim;
        this.capacity = capacity;
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Copies `rows` new positions of one layer after the cached ones (the length moves on in advance()). */
    void put(int layer, float[] k, float[] v, int rows) {
        if (length + rows > capacity) {
            throw new CocktailException("the sequence grew past the " + capacity + " positions reserved for generation.");
        }
        System.arraycopy(k, 0, keys[layer], length * kvDim, rows * kvDim);
        System.arraycopy(v, 0, values[layer], length * kvDim, rows * kvDim);
    }

    void advance(int rows) {
        length += rows;
    }
}
