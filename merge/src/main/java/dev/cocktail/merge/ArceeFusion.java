package dev.cocktail.merge;

/**
 * mergekit's arcee_fusion of a base b (input 0) and one model x (input 1): each element's importance
 * is |x - b| times the KL divergence of softmax(x) from softmax(b) over its row (the last dimension;
 * the whole tensor when it has one), each softmax plus 1e-8. Elements whose importance reaches
 * median + 1.5 (Q3 - Q1) of all the tensor's importances take x, the others keep b.
 *
 * Quantiles are mergekit's: the element at index int(q (n - 1)) of the ascending importances, found
 * exactly by a radix select in two passes (the top 16 bits of each value, then the low 16 bits
 * within the chosen buckets). mergekit draws a random sample of a million elements for larger
 * tensors, so there its threshold is random; here it is the whole tensor's.
 */
final class ArceeFusion {
    private ArceeFusion() {}

    private static final float[] QUANTILES = {0.25f, 0.5f, 0.75f};
    private static final int BUCKETS = 1 << 16;

    static final TensorMerge MERGE = TensorMerge.byRows(ArceeFusion::prepare);

    private static TensorOp prepare(TensorJob job) {
        int cols = job.cols();
        long n = job.elements();
        long[] rank = new long[QUANTILES.length];
        for (int q = 0; q < rank.length; q++) rank[q] = (long) (QUANTILES[q] * (float) (n - 1));
        // each row's KL divergence, found by the first pass and read by the others: it is most of
        // an importance's cost (three exponentials and a logarithm per element)
        float[] kl = new float[Math.toIntExact(n / cols)];
        long[] high = job.count(BUCKETS, (c, acc) -> {
            klOfRows(c, cols, kl);
            float[] imp = importance(c, cols, kl);
            for (int i = 0; i < c.n; i++) acc[key(imp[i]) >>> 16]++;
        });
        int[] bucket = new int[rank.length];
        long[] within = new long[rank.length];
        for (int q = 0; q < rank.length; q++) {
            long seen = 0;
            int b = 0;
            while (seen + high[b] <= rank[q]) seen += high[b++];
            bucket[q] = b;
            within[q] = rank[q] - seen;
        }
        long[] low = job.count(rank.length * BUCKETS, (c, acc) -> {
            float[] imp = importance(c, cols, kl);
            for (int i = 0; i < c.n; i++) {
                int key = key(imp[i]);
                for (int q = 0; q < rank.length; q++) if (key >>> 16 == bucket[q]) acc[q * BUCKETS + (key & 0xFFFF)]++;
            }
        });
        float[] value = new float[rank.length];
        for (int q = 0; q < rank.length; q++) {
            long seen = 0;
            int b = 0;
            while (seen + low[q * BUCKETS + b] <= within[q]) seen += low[q * BUCKETS + b++];
            value[q] = unkey(bucket[q] << 16 | b);
        }
        float threshold = value[1] + 1.5f * (value[2] - value[0]);
        return c -> {
            float[] imp = importance(c, cols, kl);
            for (int i = 0; i < c.n; i++) {
                float b = c.in[0][i];
                c.out[i] = b + (c.in[1][i] - b) * (imp[i] >= threshold ? 1f : 0f);
            }
        };
    }

    /** kl[r] for the chunk's rows r (its chunks hold whole rows): the KL divergence of its softmaxes, as a float. */
    private static void klOfRows(Chunk c, int cols, float[] kl) {
        double[] exps = c.doubles(2 * cols);
        for (int row = 0; row < c.n; row += cols) kl[(int) ((c.from + row) / cols)] = (float) klOfSoftmaxes(c.in[1], c.in[0], row, cols, exps);
    }

    /** The chunk's importances |x - b| kl of its row, in the chunk's first scratch array. */
    private static float[] importance(Chunk c, int cols, float[] kl) {
        float[] imp = c.tmp(0), x = c.in[1], b = c.in[0];
        for (int row = 0; row < c.n; row += cols) {
            float k = kl[(int) ((c.from + row) / cols)];
            for (int i = row; i < row + cols; i++) imp[i] = Math.abs(x[i] - b[i]) * k;
        }
        return imp;
    }

    /**
     * sum p log(p / q) with p = softmax(x) + 1e-8 and q = softmax(b) + 1e-8 over [from, from + n);
     * exps holds each exponential (at least 2n long) between the sum and the divergence.
     */
    private static double klOfSoftmaxes(float[] x, float[] b, int from, int n, double[] exps) {
        double mx = Double.NEGATIVE_INFINITY, mb = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            mx = Math.max(mx, x[i]);
            mb = Math.max(mb, b[i]);
        }
        double sx = 0, sb = 0;
        for (int i = 0; i < n; i++) {
            double ex = Math.exp(x[from + i] - mx), eb = Math.exp(b[from + i] - mb);
            exps[2 * i] = ex;
            exps[2 * i + 1] = eb;
            sx += ex;
            sb += eb;
        }
        double kl = 0;
        for (int i = 0; i < n; i++) {
            double p = exps[2 * i] / sx + 1e-8, q = exps[2 * i + 1] / sb + 1e-8;
            kl += p * Math.log(p / q);
        }
        return kl;
    }

    /** The float's bits made to order like the float as unsigned ints (negative values below positive). */
    private static int key(float v) {
        int bits = Float.floatToIntBits(v);
        return bits >= 0 ? bits ^ 0x80000000 : ~bits;
    }

    private static float unkey(int key) {
        return Float.intBitsToFloat(key < 0 ? key ^ 0x80000000 : ~key);
    }
}
