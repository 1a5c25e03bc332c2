package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

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
        Mask[] masks = masks(job, cuts);
        cuts.find(); // every task vector's magnitude cuts, usually in one pass over the tensor
        return apply(k, masks, rescaled(job, masks));
    }

    private Mask[] masks(TensorJob job, RankCut.Finder cuts) {
        Mask[] masks = new Mask[job.inputs() - 1];
        for (int m = 0; m < masks.length; m++) masks[m] = mask(job, cuts, m + 1, m);
        return masks;
    }

    /** Each task vector's factor: its weight, times the ratio of its L1 norms before and after the mask when rescaling. */
    private float[] rescaled(TensorJob job, Mask[] masks) {
        int k = masks.length;
        float[] scale = new float[k];
        for (int m = 0; m < k; m++) scale[m] = (float) weight[m];
        if (!rescale) return scale;
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
        return scale;
    }

    /** The elementwise step, once the masks' cuts are known. */
    private TensorOp apply(int k, Mask[] masks, float[] scale) {
        Combine combine = combine(k);
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
                    MergeKernels.scale(d, (float) weight[m], d, c.n);
                }
            }
            combine.chunk(wd, c.in[0], c.out, c.n);
        };
    }

    /**
     * How the weighted, sparsified task vectors wd and the base b make the output, both for a whole
     * chunk and for one element i (the same operations, so the same result).
     */
    private interface Combine {
        void chunk(float[][] wd, float[] b, float[] out, int n);

        float element(float[] wd, float b);
    }

    private Combine combine(int k) {
        float[] w = new float[k];
        float wsum = 0; // summed in F32, in order, as mergekit's weights.sum()
        for (int m = 0; m < k; m++) {
            w[m] = (float) weight[m];
            wsum += w[m];
        }
        float divisor = Math.abs(wsum) < 1e-8 ? 1 : wsum;
        float lam = (float) lambda;
        if (consensus) {
            return new Combine() {
                @Override
                public void chunk(float[][] wd, float[] b, float[] out, int n) {
                    MergeKernels.consensus(wd, wd, w, b, normalize, Float.NEGATIVE_INFINITY, lam, out, n);
                }

                @Override
                public float element(float[] wd, float b) {
                    return MergeKernels.consensusOf(wd, wd, w, b, normalize, Float.NEGATIVE_INFINITY, lam);
                }
            };
        }
        return new Combine() {
            @Override
            public void chunk(float[][] wd, float[] b, float[] out, int n) {
                System.arraycopy(wd[0], 0, out, 0, n);
                for (int m = 1; m < k; m++) MergeKernels.add(out, wd[m], n);
                if (normalize) MergeKernels.divide(out, divisor, out, n);
                if (lam != 1f) MergeKernels.scale(out, lam, out, n);
                MergeKernels.add(out, b, n);
            }

            @Override
            public float element(float[] wd, float b) {
                float mixed = wd[0];
                for (int m = 1; m < k; m++) mixed = mixed + wd[m];
                if (normalize) mixed = mixed / divisor;
                if (lam != 1f) mixed = lam * mixed;
                return mixed + b;
            }
        };
    }

    @Override
    public boolean wholeTensor() {
        return sparsify == Sparsify.MAGNITUDE && !rescale;
    }

    /**
     * TIES in one read of the inputs: the pass that finds the magnitude cuts also computes the
     * output, each task vector cut below its band (the sample's bracket around its cut), and keeps
     * the elements that fall inside some band aside (base and task vectors, a few percent of the
     * tensor); once the cuts are known, those elements alone are computed again with the cuts'
     * verdicts and written over. Where the bands do not settle the cuts, or any output is not
     * finite, the usual passes run instead, so the output (and any warning or error) is theirs.
     */
    @Override
    public boolean writeWhole(TensorJob job, DType dtype, MemorySegment dst) {
        int k = job.inputs() - 1;
        RankCut.Finder cuts = new RankCut.Finder(job, k + 1);
        Mask[] masks = masks(job, cuts);
        float[] scale = rescaled(job, masks);
        RankCut.Finder.BandPass pass = cuts.bandPass();
        if (pass == null || !pass.alone()) {
            if (pass != null) pass.finish(pass.run());
            job.write(apply(k, masks, scale), dtype, dst, 0, job.chunks());
            return false;
        }
        RankCut[] cut = new RankCut[k];
        int[] j = new int[k], lo = new int[k], hi = new int[k]; // the cut's index in the Finder, its band
        float[] below = new float[k]; // a task vector's entries above this are kept whatever its cut
        for (int m = 0, next = 0; m < k; m++) {
            if (!(masks[m] instanceof Magnitude(RankCut c))) continue;
            cut[m] = c;
            j[m] = next++;
            lo[m] = pass.lo(j[m]);
            hi[m] = pass.hi(j[m]);
            below[m] = lo[m] <= hi[m] ? Float.intBitsToFloat(hi[m]) : c.threshold(); // a cut decided already has no band
        }
        Combine combine = combine(k);
        long size = dtype.byteSize();
        List<Aside> parts = job.blocks(() -> new Aside(pass.newBlock(), k), (c, block) -> {
            float[][] wd = new float[k][];
            for (int m = 0; m < k; m++) {
                float[] d = c.in[m + 1];
                MergeKernels.sub(d, c.in[0], d, c.n);
                wd[m] = c.tmp(m + 1);
                if (cut[m] == null) {
                    MergeKernels.scale(d, scale[m], wd[m], c.n);
                    continue;
                }
                pass.add(block.tallies, j[m], c, d);
                MergeKernels.keepScaled(d, below[m], scale[m], wd[m], c.n);
            }
            combine.chunk(wd, c.in[0], c.out, c.n);
            block.finite &= MergeKernels.allFinite(c.out, c.n);
            if (block.finite && !pass.overflowed()) block.collect(c, lo, hi);
            Convert.fromF32(c.out, 0, c.n, dtype, dst, c.from * size);
        });
        boolean settled = pass.finish(parts.stream().map(a -> a.tallies).toList());
        if (settled && parts.stream().allMatch(a -> a.finite) && Aside.redo(parts, cut, scale, combine, dtype, dst)) return true;
        job.write(apply(k, masks, scale), dtype, dst, 0, job.chunks());
        return false;
    }

    /**
     * One block's elements that lie inside some task vector's band, in tensor order: at[e] is the
     * element's position, values[(k + 1) e] its base and then its k task vectors.
     */
    private static final class Aside {
        final RankCut.Tally[] tallies;
        final int k;
        boolean finite = true;
        int size;
        int[] at = new int[64];
        float[] values;

        Aside(RankCut.Tally[] tallies, int k) {
            this.tallies = tallies;
            this.k = k;
            this.values = new float[64 * (k + 1)];
        }

        /** Sets aside the chunk's elements whose task vector m (in c.in[m + 1]) has rank bits in [lo[m], hi[m]]. */
        void collect(Chunk c, int[] lo, int[] hi) {
            int i = 0;
            for (int bound = MergeKernels.F.loopBound(c.n); i < bound; i += MergeKernels.F.length()) {
                long inside = 0;
                for (int m = 0; m < k; m++) {
                    IntVector bits = FloatVector.fromArray(MergeKernels.F, c.in[m + 1], i).reinterpretAsInts().and(0x7FFFFFFF);
                    inside |= bits.compare(VectorOperators.GE, lo[m]).and(bits.compare(VectorOperators.LE, hi[m])).toLong();
                }
                for (; inside != 0; inside &= inside - 1) add(c, i + Long.numberOfTrailingZeros(inside));
            }
            for (; i < c.n; i++) {
                boolean inside = false;
                for (int m = 0; m < k; m++) {
                    int bits = Float.floatToRawIntBits(c.in[m + 1][i]) & 0x7FFFFFFF;
                    inside |= bits >= lo[m] & bits <= hi[m];
                }
                if (inside) add(c, i);
            }
        }

        private void add(Chunk c, int i) {
            if (size == at.length) {
                at = Arrays.copyOf(at, 2 * size);
                values = Arrays.copyOf(values, 2 * size * (k + 1));
            }
            at[size] = Math.toIntExact(c.from + i);
            int v = size * (k + 1);
            values[v] = c.in[0][i];
            for (int m = 0; m < k; m++) values[v + 1 + m] = c.in[m + 1][i];
            size++;
        }

        /**
         * Computes the set-aside elements again with the cuts' verdicts and writes them into dst;
         * false (dst half rewritten) when one of them is not finite.
         */
        static boolean redo(List<Aside> parts, RankCut[] cut, float[] scale, Combine combine, DType dtype, MemorySegment dst) {
            int k = cut.length;
            long[] equalBefore = new long[k];
            float[] wd = new float[k], one = new float[1];
            for (Aside a : parts) {
                for (int e = 0; e < a.size; e++) {
                    int v = e * (k + 1);
                    for (int m = 0; m < k; m++) {
                        float d = a.values[v + 1 + m];
                        if (cut[m] == null) {
                            wd[m] = scale[m] * d; // as MergeKernels.scale
                            continue;
                        }
                        wd[m] = d * (cut[m].keeps(d, equalBefore[m]) ? 1f : 0f) * scale[m]; // as keepScaled
                        if (cut[m].equalsCut(d)) equalBefore[m]++;
                    }
                    one[0] = combine.element(wd, a.values[v]);
                    if (!Float.isFinite(one[0])) return false;
                    Convert.fromF32(one, 0, 1, dtype, dst, a.at[e] * dtype.byteSize());
                }
            }
            return true;
        }
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
        RankCut.Score magnitude = (c, s) -> MergeKernels.sub(c.in[in], c.in[0], s, c.n); // cuts rank by |s|
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
