package dev.cocktail.merge;

import dev.cocktail.engine.kernels.LaneSum;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise loops of the merges, over F32 chunks: a FloatVector body and a scalar tail.
 * Products and sums are rounded separately (no fused multiply-add), as torch computes them, so
 * the LM-Cocktail sums match the reference bit for bit.
 */
public final class MergeKernels {
    private MergeKernels() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** acc = w * x */
    static void scale(float[] x, float w, float[] acc, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, i).mul(w).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = w * x[i];
    }

    /** out = x / d: mergekit normalizes by dividing, which can differ from multiplying by 1 / d in the last bit. */
    static void divide(float[] x, float d, float[] out, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, i).div(d).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = x[i] / d;
    }

    /** acc = acc + w * x */
    static void addScaled(float[] acc, float w, float[] x, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, x, i).mul(w)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = acc[i] + w * x[i];
    }

    /** d = x - b */
    static void sub(float[] x, float[] b, float[] d, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, i).sub(FloatVector.fromArray(F, b, i)).intoArray(d, i);
        }
        for (; i < n; i++) d[i] = x[i] - b[i];
    }

    /** acc = acc + x, as Kernels.add. */
    static void add(float[] acc, float[] x, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, x, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = acc[i] + x[i];
    }

    /** d = (d * mask) * s, in place: a sparsified, rescaled, weighted task vector. */
    static void maskScale(float[] d, float[] mask, float s, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, d, i).mul(FloatVector.fromArray(F, mask, i)).mul(s).intoArray(d, i);
        }
        for (; i < n; i++) d[i] = d[i] * mask[i] * s;
    }

    /**
     * d = ((x - b) * keep) * s with keep = |x - b| > t ? 1 : 0: a task vector cut by magnitude and
     * scaled, in one pass, with the very operations of sub, above and maskScale in turn.
     */
    static void keepScaled(float[] x, float[] b, float t, float s, float[] d, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i).sub(FloatVector.fromArray(F, b, i));
            v.mul(zero.blend(one, v.abs().compare(VectorOperators.GT, t))).mul(s).intoArray(d, i);
        }
        for (; i < n; i++) {
            float v = x[i] - b[i];
            d[i] = v * (Math.abs(v) > t ? 1f : 0f) * s;
        }
    }

    /** sum a[i] * b[i], lanes in F32 and the chunk total in F64. */
    static double dot(float[] a, float[] b, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, i), acc);
        }
        double s = LaneSum.of(acc);
        for (; i < n; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** sum |x[i]| */
    static double sumAbs(float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = acc.add(FloatVector.fromArray(F, x, i).abs());
        }
        double s = LaneSum.of(acc);
        for (; i < n; i++) s += Math.abs(x[i]);
        return s;
    }

    /** sum |x[i] * mask[i]| */
    static double sumAbsMasked(float[] x, float[] mask, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = acc.add(FloatVector.fromArray(F, x, i).mul(FloatVector.fromArray(F, mask, i)).abs());
        }
        double s = LaneSum.of(acc);
        for (; i < n; i++) s += Math.abs(x[i] * mask[i]);
        return s;
    }

    /** mask[i] = |x[i]| > v ? 1 : 0 */
    static void above(float[] x, float v, float[] mask, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            VectorMask<Float> m = FloatVector.fromArray(F, x, i).abs().compare(VectorOperators.GT, v);
            zero.blend(one, m).intoArray(mask, i);
        }
        for (; i < n; i++) mask[i] = Math.abs(x[i]) > v ? 1f : 0f;
    }

    /**
     * Sign consensus: the elected sign is that of sum_m vote[m] (zero counts as positive); entry m
     * agrees when vote[m] has that sign (a zero agrees with neither); mixed = sum of the agreeing
     * wd[m], divided, when normalizing, by the sum of the agreeing weights raised to at least
     * minDivisor (1 where that sum is 0): TIES passes -infinity (mergekit divides by the sum as it is),
     * SCE 1e-6 (mergekit's sce_merge clamps it there);
     * out = b + lambda * mixed. TIES votes with the weighted task vectors themselves, SCE with the
     * unweighted ones.
     */
    public static void consensus(float[][] vote, float[][] wd, float[] w, float[] b, boolean normalize, float minDivisor,
                          float lambda, float[] out, int n) {
        int k = wd.length;
        int i = k == 2 ? consensusOfTwo(vote, wd, w, b, normalize, minDivisor, lambda, out, n)
                : consensusOfAny(vote, wd, w, b, normalize, minDivisor, lambda, out, n);
        for (; i < n; i++) {
            float sum = 0;
            for (int m = 0; m < k; m++) sum += vote[m][i];
            float mixed = 0, div = 0;
            for (int m = 0; m < k; m++) {
                float v = vote[m][i];
                if (sum >= 0 ? v > 0 : v < 0) {
                    mixed += wd[m][i];
                    div += w[m];
                }
            }
            if (normalize) mixed /= div == 0 ? 1 : Math.max(div, minDivisor);
            out[i] = b[i] + mixed * lambda;
        }
    }

    /**
     * The vector part of consensus, for any number of task vectors: entry m agrees where vote[m]
     * times the elected sign (+1 or -1) is positive. Returns where the scalar tail starts.
     */
    private static int consensusOfAny(float[][] vote, float[][] wd, float[] w, float[] b, boolean normalize,
                                      float minDivisor, float lambda, float[] out, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), minusOne = FloatVector.broadcast(F, -1f);
        int k = wd.length, i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector sum = FloatVector.zero(F);
            for (int m = 0; m < k; m++) sum = sum.add(FloatVector.fromArray(F, vote[m], i));
            FloatVector sign = minusOne.blend(one, sum.compare(VectorOperators.GE, 0f));
            FloatVector mixed = FloatVector.zero(F), div = FloatVector.zero(F);
            for (int m = 0; m < k; m++) {
                VectorMask<Float> agree = FloatVector.fromArray(F, vote[m], i).mul(sign).compare(VectorOperators.GT, 0f);
                mixed = mixed.add(FloatVector.zero(F).blend(FloatVector.fromArray(F, wd[m], i), agree));
                div = div.add(FloatVector.zero(F).blend(w[m], agree));
            }
            if (normalize) mixed = mixed.div(div.max(minDivisor).blend(one, div.compare(VectorOperators.EQ, 0f)));
            FloatVector.fromArray(F, b, i).add(mixed.mul(lambda)).intoArray(out, i);
        }
        return i;
    }

    /**
     * The same for two task vectors, the common case, with the model loops written out: the general
     * loop allocates nothing but runs its short inner loops poorly (ConsensusBench, bench/RESULTS.md).
     * Its last two lines repeat the general loop's rather than call a helper: with the helper the
     * merge's apply pass ran slower (a method taking vectors must box them wherever C2 does not
     * inline it).
     */
    private static int consensusOfTwo(float[][] vote, float[][] wd, float[] w, float[] b, boolean normalize,
                                      float minDivisor, float lambda, float[] out, int n) {
        float[] v0 = vote[0], v1 = vote[1], x0 = wd[0], x1 = wd[1];
        float w0 = w[0], w1 = w[1];
        FloatVector one = FloatVector.broadcast(F, 1f), minusOne = FloatVector.broadcast(F, -1f);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector a = FloatVector.fromArray(F, v0, i), c = FloatVector.fromArray(F, v1, i);
            FloatVector sign = minusOne.blend(one, a.add(c).compare(VectorOperators.GE, 0f));
            VectorMask<Float> agree0 = a.mul(sign).compare(VectorOperators.GT, 0f);
            VectorMask<Float> agree1 = c.mul(sign).compare(VectorOperators.GT, 0f);
            FloatVector mixed = FloatVector.zero(F).blend(FloatVector.fromArray(F, x0, i), agree0)
                    .add(FloatVector.zero(F).blend(FloatVector.fromArray(F, x1, i), agree1));
            FloatVector div = FloatVector.zero(F).blend(w0, agree0).add(FloatVector.zero(F).blend(w1, agree1));
            if (normalize) mixed = mixed.div(div.max(minDivisor).blend(one, div.compare(VectorOperators.EQ, 0f)));
            FloatVector.fromArray(F, b, i).add(mixed.mul(lambda)).intoArray(out, i);
        }
        return i;
    }

    /** mergekit's floor under |a - b| in nearswap: with t below it, equal entries keep a (t = 0 would give 0 / 0). */
    private static final float NEARSWAP_MIN_DIFF = 1e-6f;

    /** NearSwap: w = clamp(t / max(|a - b|, 1e-6), 0, 1); out = w * b + (1 - w) * a. */
    static void nearswap(float[] a, float[] b, float t, float[] out, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            FloatVector w = FloatVector.broadcast(F, t).div(va.sub(vb).abs().max(NEARSWAP_MIN_DIFF)).min(one).max(0f);
            w.mul(vb).add(one.sub(w).mul(va)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float w = Math.max(0f, Math.min(1f, t / Math.max(Math.abs(a[i] - b[i]), NEARSWAP_MIN_DIFF)));
            out[i] = w * b[i] + (1 - w) * a[i];
        }
    }

    /** Whether x[0..n) holds no NaN and no infinity: v - v is 0 for every finite v and NaN otherwise. */
    static boolean allFinite(float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            acc = acc.add(v.sub(v));
        }
        float tail = 0;
        for (; i < n; i++) tail += x[i] - x[i];
        return !Float.isNaN(LaneSum.of(acc) + tail);
    }
}
