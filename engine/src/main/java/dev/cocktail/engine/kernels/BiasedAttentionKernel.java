package dev.cocktail.engine.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * BiasedAttention for one sequence and one head: per query row, the scores over the keys it may
 * see (dot products over the head's dimensions, plus the bias), a softmax in F32 with the sum in
 * double, then the probability-weighted sum of the values.
 */
final class BiasedAttentionKernel {
    private BiasedAttentionKernel() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** p holds at least keyRows floats. */
    static void head(float[] q, float[] k, float[] v, float[] out, BiasedAttention s, int b, int h, float[] p) {
        int hd = s.headDim(), width = s.heads() * hd, offset = s.past() + s.queries() - 1;
        int span = BiasedAttention.biasSpan(s.past(), s.queries(), s.keyRows());
        for (int i = 0; i < s.queries(); i++) {
            int pos = s.past() + i, end = s.causal() ? Math.min(pos + 1, s.keyLengths()[b]) : s.keyLengths()[b];
            int qo = (b * s.queries() + i) * width + h * hd;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < end; j++) {
                float score = Gemm.dot(q, qo, k, (b * s.keyRows() + j) * width + h * hd, hd);
                if (s.bias() != null) score += s.bias()[h * span + j - pos + offset];
                p[j] = score;
                max = Math.max(max, score);
            }
            double sum = 0;
            for (int j = 0; j < end; j++) sum += p[j] = (float) Math.exp(p[j] - max);
            float inv = (float) (1 / sum);
            Arrays.fill(out, qo, qo + hd, 0f);
            for (int j = 0; j < end; j++) axpy(p[j] * inv, v, (b * s.keyRows() + j) * width + h * hd, out, qo, hd);
        }
    }

    /** y += alpha x. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(a, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
