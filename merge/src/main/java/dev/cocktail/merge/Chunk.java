package dev.cocktail.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A run of consecutive elements of one output tensor, with every input widened to F32:
 * in[i][0..n) holds elements [from, from + n) of input i. Each worker thread owns one, reused.
 */
public final class Chunk {
    public float[][] in;
    public float[] out;
    public int n;
    public long from;
    /** The chunk's position in the tensor; chunk boundaries depend only on the tensor's shape. */
    public int index;
    /** Where the chunk's elements start in bytes(i), in elements (a pass's block is read in one go). */
    long at;
    private float[][] tmp = new float[0][];
    private int[][] ints = new int[0][];
    private MemorySegment[] raw = new MemorySegment[0];
    private float[] row = new float[0];
    private double[] doubles = new double[0];
    private String tensor;
    private long seed;

    void reset(int inputs, int capacity, String tensor, long seed) {
        if (in == null || in.length != inputs || in[0].length < capacity) in = new float[inputs][capacity];
        if (out == null || out.length < capacity) out = new float[capacity];
        for (int i = 0; i < tmp.length; i++) if (tmp[i].length < capacity) tmp[i] = new float[capacity];
        this.tensor = tensor;
        this.seed = seed;
    }

    /** The k-th scratch array of this worker, at least as long as the chunk. */
    public float[] tmp(int k) {
        if (k >= tmp.length) {
            float[][] grown = java.util.Arrays.copyOf(tmp, k + 1);
            for (int i = tmp.length; i <= k; i++) grown[i] = new float[in[0].length];
            tmp = grown;
        }
        return tmp[k];
    }

    /**
     * The k-th int array of this worker, at least `length` long, kept from tensor to tensor (its
     * contents are whatever its last user left): what a pass collects lives here rather than in
     * fresh arrays, which on a cold JVM cost a page fault per 4 KB and make the heap grow.
     */
    int[] ints(int k, int length) {
        if (k >= ints.length) ints = java.util.Arrays.copyOf(ints, k + 1);
        if (ints[k] == null || ints[k].length < length) ints[k] = new int[length];
        return ints[k];
    }

    /** This worker's row of a LoRA delta (see LoraInput.apply), at least `length` long. */
    float[] row(int length) {
        if (row.length < length) row = new float[length];
        return row;
    }

    /** This worker's room for `length` doubles (a row's exponentials, say), kept from chunk to chunk. */
    double[] doubles(int length) {
        if (doubles.length < length) doubles = new double[length];
        return doubles;
    }

    /** This worker's buffer for the raw bytes of input i, at least `bytes` long. */
    MemorySegment raw(int i, long bytes) {
        if (i >= raw.length) raw = java.util.Arrays.copyOf(raw, i + 1);
        if (raw[i] == null || raw[i].byteSize() < bytes) raw[i] = Arena.ofAuto().allocate(bytes, 64);
        return raw[i];
    }

    /** The raw bytes of input i that the pass over this chunk read last (see at). */
    MemorySegment bytes(int i) {
        return raw[i];
    }

    /**
     * The seed of the random numbers for input `model` in this chunk, the same whatever the thread
     * count: keyed by the merge seed, the tensor name, the input and the chunk index. The numbers are
     * those of a SplittableRandom with this seed (Draws makes them in bulk).
     */
    long randomSeed(int model) {
        long h = seed;
        h = mix(h ^ tensor.hashCode());
        return mix(h ^ ((long) model << 32 | index));
    }

    private static long mix(long z) { // SplitMix64's finalizer
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
