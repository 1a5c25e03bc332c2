package dev.cocktail.merge;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * SCE (select, calculate, erase; arXiv 2408.07990), as mergekit's sce. Input 0 is the base, the
 * others give task vectors d_i. Select: when select_topk < 1, only the entries whose variance across
 * the d_i is among the top select_topk share of the non-zero variances are kept. Calculate: each
 * model weighs mean(d_i^2), normalized to sum 1. Erase: entries whose sign disagrees with the sign of
 * sum_i d_i are dropped; the rest are averaged by weight and added to the base.
 */
final class Sce {
    private Sce() {}

    static TensorMerge of(double topk) {
        return job -> {
            int k = job.inputs() - 1;
            RankCut.Score variance = (c, s) -> variance(c.in, k, s, c.n);
            RankCut cut = null;
            if (topk < 1) {
                long nonzero = job.count(1, (c, acc) -> {
                    float[] s = c.tmp(k + 1);
                    variance.fill(c, s);
                    for (int e = 0; e < c.n; e++) if (s[e] != 0) acc[0]++;
                })[0];
                // mergekit keeps nothing when select_topk <= 0
                cut = RankCut.top(job, variance, k + 1, (long) (Math.max(0, topk) * nonzero));
            }
            RankCut select = cut;
            double[] sq = job.reduce(k, (c, acc) -> {
                float[] mask = select(c, select, variance, k);
                for (int m = 1; m <= k; m++) {
                    float[] d = c.in[m];
                    MergeKernels.sub(d, c.in[0], d, c.n);
                    if (mask != null) MergeKernels.maskScale(d, mask, 1f, c.n);
                    acc[m - 1] += MergeKernels.dot(d, d, c.n);
                }
            });
            double total = 0;
            for (int m = 0; m < k; m++) {
                sq[m] /= job.elements();
                total += sq[m];
            }
            float[] w = new float[k];
            for (int m = 0; m < k; m++) w[m] = (float) (total < 1e-6 ? 1.0 / k : sq[m] / total); // mergekit's cut-off: real deltas' mean squares are often below it
            return c -> {
                float[] mask = select(c, select, variance, k);
                float[][] d = new float[k][], wd = new float[k][];
                for (int m = 0; m < k; m++) {
                    d[m] = c.in[m + 1];
                    MergeKernels.sub(d[m], c.in[0], d[m], c.n);
                    if (mask != null) MergeKernels.maskScale(d[m], mask, 1f, c.n);
                    wd[m] = c.tmp(k + 3 + m);
                    MergeKernels.scale(d[m], w[m], wd[m], c.n);
                }
                MergeKernels.consensus(d, wd, w, c.in[0], true, 1e-6f, 1f, c.out, c.n);
            };
        };
    }

    /** The variance is taken in F64: doubles, and floats with as many lanes. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FD = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

    /**
     * s[e] = the population variance of the task vectors' entries d_m[e] = in[m][e] - in[0][e], m in
     * 1..k, in F64 and then rounded to F32. Lanes hold consecutive entries, each computed with the
     * scalar tail's very operations in the same order, so the vector part changes no bit.
     */
    private static void variance(float[][] in, int k, float[] s, int n) {
        int e = 0;
        for (int bound = D.loopBound(n); e < bound; e += D.length()) {
            FloatVector b = FloatVector.fromArray(FD, in[0], e);
            DoubleVector mean = DoubleVector.zero(D);
            for (int m = 1; m <= k; m++) mean = mean.add(delta(in[m], b, e));
            mean = mean.div(k);
            DoubleVector v = DoubleVector.zero(D);
            for (int m = 1; m <= k; m++) {
                DoubleVector x = delta(in[m], b, e).sub(mean);
                v = v.add(x.mul(x));
            }
            ((FloatVector) v.div(k).convertShape(VectorOperators.D2F, FD, 0)).intoArray(s, e);
        }
        for (; e < n; e++) {
            double mean = 0;
            for (int m = 1; m <= k; m++) mean += in[m][e] - in[0][e];
            mean /= k;
            double v = 0;
            for (int m = 1; m <= k; m++) {
                double x = in[m][e] - in[0][e] - mean;
                v += x * x;
            }
            s[e] = (float) (v / k);
        }
    }

    /** x[e..] - b in F32, widened to F64, as the scalar (double) (x[e] - b[e]). */
    private static DoubleVector delta(float[] x, FloatVector b, int e) {
        return (DoubleVector) FloatVector.fromArray(FD, x, e).sub(b).convertShape(VectorOperators.F2D, D, 0);
    }

    /** The chunk's selection mask (in scratch k + 2), or null when everything is selected. */
    private static float[] select(Chunk c, RankCut cut, RankCut.Score variance, int k) {
        if (cut == null) return null;
        float[] s = c.tmp(k + 1), mask = c.tmp(k + 2);
        variance.fill(c, s);
        cut.mask(c, s, mask);
        return mask;
    }
}
