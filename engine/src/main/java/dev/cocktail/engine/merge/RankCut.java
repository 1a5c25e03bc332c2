package dev.cocktail.engine.merge;

/**
 * The k elements of a tensor with the largest score (|delta|, variance, ...), found without holding
 * the tensor: a radix select over the scores' float bits (non-negative floats order like their bits),
 * first on the top 16 bits, then on the low 16 bits of the chosen bucket. Equal scores are ranked
 * by position, earlier first, so the selection is exact and the same on every run; only when equal
 * scores straddle the cut does a third pass count them per chunk.
 */
final class RankCut {
    /** Fills s[0..c.n) with the chunk's non-negative scores. */
    @FunctionalInterface
    interface Score {
        void fill(Chunk c, float[] s);
    }

    private final float value;
    private final boolean inclusive;
    private final long take;
    private final long[] equalBefore;

    private RankCut(float value, boolean inclusive, long take, long[] equalBefore) {
        this.value = value;
        this.inclusive = inclusive;
        this.take = take;
        this.equalBefore = equalBefore;
    }

    /** The cut keeping the k highest scores. */
    static RankCut top(TensorJob job, Score score, int scratch, long k) {
        long n = job.elements();
        if (k <= 0) return new RankCut(Float.POSITIVE_INFINITY, false, 0, null);
        if (k >= n) return new RankCut(0f, true, 0, null);
        long[] high = job.count(1 << 15, (c, h) -> {
            float[] s = c.tmp(scratch);
            score.fill(c, s);
            for (int i = 0; i < c.n; i++) h[(Float.floatToRawIntBits(s[i]) & 0x7FFFFFFF) >>> 16]++;
        });
        int bucket = high.length - 1;
        long above = 0;
        while (above + high[bucket] < k) above += high[bucket--];
        final int hb = bucket;
        long[] low = job.count(1 << 16, (c, h) -> {
            float[] s = c.tmp(scratch);
            score.fill(c, s);
            for (int i = 0; i < c.n; i++) {
                int bits = Float.floatToRawIntBits(s[i]) & 0x7FFFFFFF;
                if (bits >>> 16 == hb) h[bits & 0xFFFF]++;
            }
        });
        int l = low.length - 1;
        while (above + low[l] < k) above += low[l--];
        float v = Float.intBitsToFloat(hb << 16 | l);
        long take = k - above;
        if (take == low[l]) return new RankCut(v, true, 0, null);
        long[] equal = job.perChunk((c, one) -> {
            float[] s = c.tmp(scratch);
            score.fill(c, s);
            for (int i = 0; i < c.n; i++) if (s[i] == v) one[0]++;
        });
        long before = 0;
        for (int i = 0; i < equal.length; i++) {
            long e = equal[i];
            equal[i] = before;
            before += e;
        }
        return new RankCut(v, false, take, equal);
    }

    /** mask[i] = 1 where the score s[i] (of this chunk) is among the k highest, else 0. */
    void mask(Chunk c, float[] s, float[] mask) {
        Kernels.above(s, inclusive ? Math.nextDown(value) : value, mask, c.n);
        if (equalBefore == null) return;
        long seen = equalBefore[c.index];
        for (int i = 0; i < c.n && seen < take; i++) {
            if (s[i] == value) mask[i] = seen++ < take ? 1f : 0f;
        }
    }
}
