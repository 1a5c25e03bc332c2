package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;

/**
 * A T5 decoder's self-attention keys and values for every target position so far, per block, so that
 * generating one more token runs the decoder on that token alone. Rows of innerDim floats, one per
 * position: the layout the biased attention kernel reads keys and values in (a Llama's KvCache is
 * transposed for its one-query attention instead).
 */
public final class T5Cache {
    private final float[][] keys;
    private final float[][] values;
    private final int width;
    private final int capacity;
    private int length;

    T5Cache(int blocks, int width, int capacity) {
        this.width = width;
        this.capacity = capacity;
        this.keys = new float[blocks][capacity * width];
        this.values = new float[blocks][capacity * width];
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    float[] keys(int block) {
        return keys[block];
    }

    float[] values(int block) {
        return values[block];
    }

    /** Copies `rows` new positions of one block after the cached ones (the length moves on in advance()). */
    void put(int block, float[] k, float[] v, int rows) {
        if (length + rows > capacity) {
            throw new CocktailException("the sequence grew past the " + capacity + " positions reserved for generation.");
        }
        System.arraycopy(k, 0, keys[block], length * width, rows * width);
        System.arraycopy(v, 0, values[block], length * width, rows * width);
    }

    void advance(int rows) {
        length += rows;
    }
}
