package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** RMSNorm and LayerNorm over rows [from, to) of dim floats; out may be x. */
final class Norms {
    private Norms() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** out = x / sqrt(mean(x^2) + eps) * w, as Hugging Face's LlamaRMSNorm. */
    static void rmsnorm(float[] x, float[] out, int from, int to, int dim, float[] w, float eps) {
        for (int r = from; r < to; r++) {
            int o = r * dim;
            float inv = (float) (1 / Math.sqrt(sumOfSquares(x, o, dim, 0f) / dim + eps));
            scale(x, out, o, dim, inv, 0f, w, null);
        }
    }

    /** out = (x - mean) / sqrt(biased variance + eps) * w + b, two passes for the variance. */
    static void layernorm(float[] x, float[] out, int from, int to, int dim, float[] w, float[] b, float eps) {
        for (int r = from; r < to; r++) {
            int o = r * dim;
            float mean = sum(x, o, dim) / dim;
            float inv = (float) (1 / Math.sqrt(sumOfSquares(x, o, dim, mean) / dim + eps));
            scale(x, out, o, dim, inv, mean, w, b);
        }
    }

    private static float sum(float[] x, int o, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, o + i));
        float s = LaneSum.of(acc);
        for (; i < n; i++) s += x[o + i];
        return s;
    }

    /** sum (x - center)^2. */
    private static float sumOfSquares(float[] x, int o, int n, float center) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector d = FloatVector.fromArray(F, x, o + i).sub(center);
            acc = d.fma(d, acc);
        }
        float s = LaneSum.of(acc);
        for (; i < n; i++) s += (x[o + i] - center) * (x[o + i] - center);
        return s;
    }

    /** out = (x - center) * inv * w (+ b). */
    private static void scale(float[] x, float[] out, int o, int n, float inv, float center, float[] w, float[] b) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector y = FloatVector.fromArray(F, x, o + i).sub(center).mul(inv).mul(FloatVector.fromArray(F, w, i));
            if (b != null) y = y.add(FloatVector.fromArray(F, b, i));
            y.intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = (x[o + i] - center) * inv * w[i] + (b == null ? 0f : b[i]);
    }
}
