package dev.cocktail.engine.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention for one sequence and one kv head (every query head that shares it).
 * One row of scores at a time: for each query, scores over the keys it may see, softmax in F32,
 * then the weighted sum of values. The keys are transposed once per task so that scores come out
 * a vector of keys at a time.
 */
final class AttentionKernel {
    private AttentionKernel() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** kt holds at least (past + lengths[b]) * headDim floats, scores at least past + seqLen. */
    static void group(float[] q, float[] k, float[] v, float[] out, AttentionShape s, int b, int g,
                      float[] kt, float[] scores) {
        int hd = s.headDim(), len = s.past() + s.lengths()[b], base = b * s.keyRows(), qBase = b * s.seqLen();
        int qStride = s.heads() * hd, kvStride = s.kvHeads() * hd, kvOff = g * hd;
        for (int j = 0; j < len; j++) {
            int ko = (base + j) * kvStride + kvOff;
            for (int d = 0; d < hd; d++) kt[d * len + j] = k[ko + d];
        }
        int perKv = s.heads() / s.kvHeads();
        for (int h = g * perKv; h < (g + 1) * perKv; h++) {
            for (int i = 0; i < s.seqLen(); i++) {
                int pos = s.past() + i;
                int end = s.causal() ? Math.min(pos + 1, len) : len;
                int start = s.window() > 0 ? Math.max(0, pos - s.window() + 1) : 0;
                int qo = (qBase + i) * qStride + h * hd;
                if (start >= end) { // a padded row whose window holds no real key
                    Arrays.fill(out, qo, qo + hd, 0f);
                    continue;
                }
                scores(q, qo, kt, len, hd, start, end, s.scale(), scores);
                Activations.softmax(scores, start, end);
                weightedValues(scores, start, end, v, base, kvStride, kvOff, hd, out, qo);
            }
        }
    }

    /** scores[j] = scale * q . k_j for j in [start, end), a vector of keys at a time. */
    private static void scores(float[] q, int qo, float[] kt, int len, int hd, int start, int end, float scale, float[] scores) {
        int j = start;
        for (int bound = start + F.loopBound(end - start); j < bound; j += F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < hd; d++) acc = FloatVector.broadcast(F, q[qo + d]).fma(FloatVector.fromArray(F, kt, d * len + j), acc);
            acc.mul(scale).intoArray(scores, j);
        }
        for (; j < end; j++) {
            float acc = 0;
            for (int d = 0; d < hd; d++) acc += q[qo + d] * kt[d * len + j];
            scores[j] = acc * scale;
        }
    }

    /** out[qo..qo+hd) = sum_j p_j v_j over j in [start, end), a vector of dimensions at a time. */
    private static void weightedValues(float[] p, int start, int end, float[] v, int base, int kvStride, int kvOff,
                                       int hd, float[] out, int qo) {
        int d = 0;
        for (int bound = F.loopBound(hd); d < bound; d += F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = start; j < end; j++) {
                acc = FloatVector.broadcast(F, p[j]).fma(FloatVector.fromArray(F, v, (base + j) * kvStride + kvOff + d), acc);
            }
            acc.intoArray(out, qo + d);
        }
        for (; d < hd; d++) {
            float acc = 0;
            for (int j = start; j < end; j++) acc += p[j] * v[(base + j) * kvStride + kvOff + d];
            out[qo + d] = acc;
        }
    }
}
