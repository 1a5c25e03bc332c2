package dev.cocktail.merge;

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
            RankCut.Score variance = (c, s) -> {
                for (int e = 0; e < c.n; e++) {
                    double mean = 0;
                    for (int m = 1; m <= k; m++) mean += c.in[m][e] - c.in[0][e];
                    mean /= k;
                    double v = 0;
                    for (int m = 1; m <= k; m++) {
                        double x = c.in[m][e] - c.in[0][e] - mean;
                        v += x * x;
                    }
                    s[e] = (float) (v / k);
                }
            };
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

    /** The chunk's selection mask (in scratch k + 2), or null when everything is selected. */
    private static float[] select(Chunk c, RankCut cut, RankCut.Score variance, int k) {
        if (cut == null) return null;
        float[] s = c.tmp(k + 1), mask = c.tmp(k + 2);
        variance.fill(c, s);
        cut.mask(c, s, mask);
        return mask;
    }
}
