package dev.cocktail.tokenizer;

import java.util.Arrays;

/**
 * BPE merges: (left id, right id) to (rank, merged id), in an open-addressing table of longs, because
 * the merge loop looks a pair up at every step and 280k boxed map entries would dominate its time.
 */
final class PairMap {
    static final long ABSENT = -1;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int shift;

    PairMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, ABSENT);
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** Adds or replaces the pair's merge. */
    void put(int left, int right, int rank, int merged) {
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != ABSENT && keys[i] != k) i = (i + 1) & mask;
        keys[i] = k;
        values[i] = (long) rank << 32 | (merged & 0xFFFFFFFFL);
    }

    /** rank << 32 | merged id, or ABSENT. */
    long get(int left, int right) {
        long k = key(left, right);
        for (int i = slot(k); ; i = (i + 1) & mask) {
            long found = keys[i];
            if (found == k) return values[i];
            if (found == ABSENT) return ABSENT;
        }
    }
}
