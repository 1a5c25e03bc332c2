package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import java.util.Arrays;

/**
 * mergekit's generalized task arithmetic: task_arithmetic, ties, dare_linear, dare_ties,
 * breadcrumbs, breadcrumbs_ties, della, della_linear. Input 0 is the base; the others give task
 * vectors d_i = x_i - base, each sparsified (keeping a `density` share by magnitude, at random,
 * between outliers, or by DELLA's per-row rank probabilities), optionally rescaled so its L1 norm
 * is unchanged, weighted, combined by sum or by TIES sign consensus, optionally normalized by the
 * weights, scaled by lambda, and added to the base.
 */
record TaskArithmetic(Sparsify sparsify, boolean consensus, boolean normalize, boolean rescale, double lambda,
                      double[] weight, double[] density, double[] gamma, double[] epsilon) implements TensorMerge {

    enum Sparsify { NONE, MAGNITUDE, RANDOM, OUTLIERS, DELLA }

    /** mergekit's tolerance below which a norm does not rescale. */
    private static final double RESCALE_EPS = 1e-7;

    @Override
    public boolean rowWise() {
        return sparsify == Sparsify.DELLA;
    }

    @Override
    public TensorOp prepare(TensorJob job) {
        int k = job.inputs() - 1;
        RankCut.Finder cuts = new RankCut.Finder(job, k + 1);
        Mask[] masks = new Mask[k];
        for (int m = 0; m < k; m++) masks[m] = mask(job, cuts, m + 1, m);
        cuts.find(); // every task vector's magnitude cuts, usually in one pass over the tensor
        float[] scale = new float[k];
        for (int m = 0; m < k; m++) scale[m] = (float) weight[m];
        if (rescale) {
            double[] sums = job.reduce(2 * k, (c, acc) -> {
                for (int m = 0; m < k; m++) {
                    if (masks[m] == null) continue;
                    float[] d = c.in[m + 1]; // each pass reloads the inputs
                    MergeKernels.sub(d, c.in[0], d, c.n);
                    float[] mask = c.tmp(m + 1);
                    masks[m].fill(c, d, mask);
                    acc[2 * m] += MergeKernels.sumAbs(d, c.n);
                    acc[2 * m + 1] += MergeKernels.sumAbsMasked(d, mask, c.n);
                }
            });
            for (int m = 0; m < k; m++) {
                double before = sums[2 * m], after = sums[2 * m + 1];
                if (masks[m] != null && before >= RESCALE_EPS && after >= RESCALE_EPS) {
                    scale[m] = (float) (before / after * weight[m]);
                }
            }
        }
        float[] w = new float[k];
        float wsum = 0; // summed in F32, in order, as mergekit's weights.sum()
        for (int m = 0; m < k; m++) {
            w[m] = (float) weight[m];
            wsum += w[m];
        }
        float divisor = Math.abs(wsum) < 1e-8 ? 1 : wsum;
        float lam = (float) lambda;
        return c -> {
            float[][] wd = new float[k][];
            for (int m = 0; m < k; m++) {
                float[] d = c.in[m + 1];
                wd[m] = d;
                if (masks[m] instanceof Magnitude(RankCut cut) && cut.byThreshold(c)) {
                    MergeKernels.keepScaled(d, c.in[0], cut.threshold(), scale[m], d, c.n); // the usual chunk, in one pass
                    continue;
                }
                MergeKernels.sub(d, c.in[0], d, c.n);
                if (masks[m] != null) {
                    float[] mask = c.tmp(m + 1);
                    masks[m].fill(c, d, mask);
                    MergeKernels.maskScale(d, mask, scale[m], c.n);
                } else {
                    MergeKernels.scale(d, w[m], d, c.n);
                }
            }
            if (consensus) {
                MergeKernels.consensus(wd, wd, w, c.in[0], normalize, Float.NEGATIVE_INFINITY, lam, c.out, c.n);
            } else {
                float[] mixed = c.out;
                System.arraycopy(wd[0], 0, mixed, 0, c.n);
                for (int m = 1; m < k; m++) MergeKernels.add(mixed, wd[m], c.n);
                if (normalize) MergeKernels.divide(mixed, divisor, mixed, c.n);
                if (lam != 1f) MergeKernels.scale(mixed, lam, mixed, c.n);
                MergeKernels.add(mixed, c.in[0], c.n);
            }
        };
    }

    /** Which entries of task vector d (of this chunk) are kept: mask[i] in {0, 1}. */
    @FunctionalInterface
    private interface Mask {
        void fill(Chunk c, float[] d, float[] mask);
    }

    /** The `density` share of largest magnitudes: most chunks apply it with no mask at all (keepScaled). */
    private record Magnitude(RankCut cut) implements Mask {
        @Override
        public void fill(Chunk c, float[] d, float[] mask) {
            cut.mask(c, d, mask);
        }
    }

    /**
     * The mask of input `in` (task vector m), or null when everything is kept; its magnitude cuts go
     * to `cuts`. Chunk scratch: masks in 1..k, the outliers to drop in k+1.
     */
    private Mask mask(TensorJob job, RankCut.Finder cuts, int in, int m) {
        double p = density[m];
        if (sparsify == Sparsify.NONE || p >= 1) return null;
        long n = job.elements();
        int k = job.inputs() - 1;
        RankCut.Score magnitude = new RankCut.Difference(in, 0); // cuts rank by |x - base|
        return switch (sparsify) {
            case MAGNITUDE -> new Magnitude(cuts.top(magnitude, (long) (p * n)));
            case OUTLIERS -> {
                long target = (long) (p * n), top = (long) (gamma[m] * n), bottom = n - target - top;
                if (bottom < 0) {
                    top += bottom;
                    bottom = 0;
                }
                // mergekit keeps its ascending ranks [bottom:-top], which Python reads as empty when top is 0
                if (top == 0) yield (c, d, mask) -> Arrays.fill(mask, 0, c.n, 0f);
                // mergekit keeps ascending ranks [bottom, n - top): the largest `top` go, and the smallest `bottom`
                RankCut keep = cuts.top(magnitude, n - bottom);
                RankCut drop = cuts.top(magnitude, top);
                yield (c, d, mask) -> {
                    float[] outliers = c.tmp(k + 1);
                    keep.mask(c, d, mask);
                    drop.mask(c, d, outliers);
                    for (int i = 0; i < c.n; i++) mask[i] -= outliers[i];
                };
            }
            case RANDOM -> (c, d, mask) -> Draws.below(c.randomSeed(m), p, mask, c.n);
            case DELLA -> della(job, m, p, epsilon[m]);
            case NONE -> throw new IllegalStateException();
        };
    }

    /**
     * DELLA's MAGPRUNE: within each row, entries ranked by magnitude (ties by position) get keep
     * probabilities rising linearly from density - epsilon (smallest) to density + epsilon (largest).
     */
    private static Mask della(TensorJob job, int m, double p, double eps) {
        if (p <= 0) return (c, d, mask) -> Arrays.fill(mask, 0, c.n, 0f);
        if (p + eps >= 1 || p - eps <= 0) {
            throw new CocktailException("della: density " + p + " and epsilon " + eps + " put a keep probability outside (0, 1) for "
                    + job.name() + "; choose epsilon below min(density, 1 - density).");
        }
        int cols = job.cols();
        float[] keep = new float[cols]; // by rank, the same in every row
        for (int rank = 0; rank < cols; rank++) {
            double norm = cols == 1 ? 0 : (double) rank / (cols - 1);
            keep[rank] = (float) (p - eps + norm * 2 * eps);
        }
        return (c, d, mask) -> {
            int[] order = new int[cols], keys = new int[cols], spareOrder = new int[cols], spareKeys = new int[cols];
            int[] count = new int[1 << DIGIT];
            for (int row = 0; row < c.n; row += cols) {
                byMagnitude(d, row, cols, order, keys, spareOrder, spareKeys, count);
                for (int rank = 0; rank < cols; rank++) mask[row + order[rank]] = keep[rank];
            }
            Draws.belowEach(c.randomSeed(m), mask, mask, c.n); // one draw per element, in order
        };
    }

    /** Bits of the magnitude sorted on per pass of byMagnitude. */
    private static final int DIGIT = 11;

    /**
     * order[0, n) = the positions j of d[row + j] by ascending |d|, equal magnitudes by position: a
     * least-significant-digit radix sort of the magnitudes' bits, 11 bits a pass, each pass stable
     * (a pass whose digit is the same for all is skipped). keys, the spares and count are scratch.
     */
    private static void byMagnitude(float[] d, int row, int n, int[] order, int[] keys, int[] spareOrder, int[] spareKeys,
                                    int[] count) {
        for (int j = 0; j < n; j++) {
            order[j] = j;
            keys[j] = Float.floatToRawIntBits(Math.abs(d[row + j]));
        }
        for (int shift = 0; shift < 31; shift += DIGIT) {
            Arrays.fill(count, 0);
            for (int j = 0; j < n; j++) count[keys[j] >>> shift & (1 << DIGIT) - 1]++;
            if (count[keys[0] >>> shift & (1 << DIGIT) - 1] == n) continue;
            for (int b = 0, sum = 0; b < count.length; b++) {
                int c = count[b];
                count[b] = sum;
                sum += c;
            }
            for (int j = 0; j < n; j++) {
                int at = count[keys[j] >>> shift & (1 << DIGIT) - 1]++;
                spareOrder[at] = order[j];
                spareKeys[at] = keys[j];
            }
            System.arraycopy(spareOrder, 0, order, 0, n);
            System.arraycopy(spareKeys, 0, keys, 0, n);
        }
    }
}
