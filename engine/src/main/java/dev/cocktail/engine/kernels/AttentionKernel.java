package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention for one sequence and one kv head (every query head that shares it).
 * QROWS query rows at a time: their scores over the keys any of them may see, a softmax per row in
 * F32 (keys a row may not see get probability 0), then the rows' weighted sums of values. Only
 * QROWS rows of scores exist at once, never the T x T matrix. Both products run QROWS rows x two
 * vectors in registers, eight independent FMA chains, where one row at a time would leave a single
 * chain waiting on FMA latency. The keys are transposed and the values packed once per task, so
 * that scores come out a vector of keys at a time and values stream from contiguous rows.
 */
final class AttentionKernel {
    private AttentionKernel() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int QROWS = 4;

    /**
     * Floats between rows of the transposed keys and of the scores for `keys` keys: rounded up and
     * one vector more, so that rows of a power-of-two length do not all fall into the same L1 set.
     */
    static int stride(int keys) {
        return (keys + PAD - 1) / PAD * PAD + PAD;
    }

    private static final int PAD = 16;

    /**
     * kv holds at least stride(past + seqLen) * headDim * 2 floats, scores at least
     * QROWS * stride(past + seqLen).
     */
    static void group(float[] q, float[] k, float[] v, float[] out, AttentionShape s, int b, int g,
                      float[] kv, float[] scores) {
        int hd = s.headDim(), len = s.past() + s.lengths()[b], base = b * s.keyRows(), qBase = b * s.seqLen();
        int qStride = s.heads() * hd, kvStride = s.kvHeads() * hd, kvOff = g * hd, ld = stride(len), vals = ld * hd;
        // keys transposed (a row per dimension), values packed (a row per key), both read many times below
        for (int j = 0; j < len; j++) {
            int ko = (base + j) * kvStride + kvOff;
            for (int d = 0; d < hd; d++) kv[d * ld + j] = k[ko + d];
            System.arraycopy(v, ko, kv, vals + j * hd, hd);
        }
        int perKv = s.heads() / s.kvHeads();
        int[] start = new int[QROWS], end = new int[QROWS];
        for (int h = g * perKv; h < (g + 1) * perKv; h++) {
            for (int i0 = 0; i0 < s.seqLen(); i0 += QROWS) {
                int rows = Math.min(QROWS, s.seqLen() - i0), lo = len, hi = 0;
                for (int r = 0; r < rows; r++) {
                    int pos = s.past() + i0 + r;
                    end[r] = s.causal() ? Math.min(pos + 1, len) : len;
                    start[r] = s.window() > 0 ? Math.max(0, pos - s.window() + 1) : 0;
                    if (start[r] < end[r]) {
                        lo = Math.min(lo, start[r]);
                        hi = Math.max(hi, end[r]);
                    }
                }
                int qo = (qBase + i0) * qStride + h * hd;
                if (lo >= hi) { // padded rows whose window holds no real key
                    for (int r = 0; r < rows; r++) java.util.Arrays.fill(out, qo + r * qStride, qo + r * qStride + hd, 0f);
                    continue;
                }
                scores(q, qo, qStride, rows, kv, ld, hd, lo, hi, s.scale(), scores);
                for (int r = 0; r < rows; r++) {
                    int row = r * ld, from = Math.max(start[r], lo), to = Math.min(Math.max(end[r], from), hi);
                    java.util.Arrays.fill(scores, row + lo, row + from, 0f);
                    java.util.Arrays.fill(scores, row + to, row + hi, 0f);
                    if (from < to) Activations.softmax(scores, row + from, row + to);
                }
                weightedValues(scores, ld, rows, lo, hi, kv, vals, hd, out, qo, qStride);
            }
        }
    }

    /**
     * scores[r * ld + j] = scale * q_r . k_j for the query rows r < rows (at qo + r * qStride) and
     * keys j in [lo, hi).
     */
    private static void scores(float[] q, int qo, int qStride, int rows, float[] kt, int ld, int hd, int lo, int hi,
                               float scale, float[] scores) {
        int lanes = F.length(), last = rows - 1;
        int q1 = qo + Math.min(1, last) * qStride, q2 = qo + Math.min(2, last) * qStride, q3 = qo + Math.min(3, last) * qStride;
        int j = lo;
        for (; j + 2 * lanes <= hi; j += 2 * lanes) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int d = 0; d < hd; d++) {
                FloatVector k0 = FloatVector.fromArray(F, kt, d * ld + j), k1 = FloatVector.fromArray(F, kt, d * ld + j + lanes);
                FloatVector a = FloatVector.broadcast(F, q[qo + d]);
                a00 = a.fma(k0, a00);
                a01 = a.fma(k1, a01);
                a = FloatVector.broadcast(F, q[q1 + d]);
                a10 = a.fma(k0, a10);
                a11 = a.fma(k1, a11);
                a = FloatVector.broadcast(F, q[q2 + d]);
                a20 = a.fma(k0, a20);
                a21 = a.fma(k1, a21);
                a = FloatVector.broadcast(F, q[q3 + d]);
                a30 = a.fma(k0, a30);
                a31 = a.fma(k1, a31);
            }
            a00.mul(scale).intoArray(scores, j);
            a01.mul(scale).intoArray(scores, j + lanes);
            if (rows > 1) {
                a10.mul(scale).intoArray(scores, ld + j);
                a11.mul(scale).intoArray(scores, ld + j + lanes);
            }
            if (rows > 2) {
                a20.mul(scale).intoArray(scores, 2 * ld + j);
                a21.mul(scale).intoArray(scores, 2 * ld + j + lanes);
            }
            if (rows > 3) {
                a30.mul(scale).intoArray(scores, 3 * ld + j);
                a31.mul(scale).intoArray(scores, 3 * ld + j + lanes);
            }
        }
        for (; j < hi; j += lanes) { // the last keys, one vector under a mask
            VectorMask<Float> m = F.indexInRange(j, hi);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < hd; d++) {
                FloatVector k0 = FloatVector.fromArray(F, kt, d * ld + j, m);
                a0 = FloatVector.broadcast(F, q[qo + d]).fma(k0, a0);
                a1 = FloatVector.broadcast(F, q[q1 + d]).fma(k0, a1);
                a2 = FloatVector.broadcast(F, q[q2 + d]).fma(k0, a2);
                a3 = FloatVector.broadcast(F, q[q3 + d]).fma(k0, a3);
            }
            a0.mul(scale).intoArray(scores, j, m);
            if (rows > 1) a1.mul(scale).intoArray(scores, ld + j, m);
            if (rows > 2) a2.mul(scale).intoArray(scores, 2 * ld + j, m);
            if (rows > 3) a3.mul(scale).intoArray(scores, 3 * ld + j, m);
        }
    }

    /**
     * out row r (at qo + r * qStride) = sum_j p[r * ld + j] v_j over j in [lo, hi), for r < rows;
     * value j is v[vals + j * hd ..].
     */
    private static void weightedValues(float[] p, int ld, int rows, int lo, int hi, float[] v, int vals, int hd,
                                       float[] out, int qo, int qStride) {
        int lanes = F.length(), last = rows - 1;
        int p1 = Math.min(1, last) * ld, p2 = Math.min(2, last) * ld, p3 = Math.min(3, last) * ld;
        int d = 0;
        for (; d + 2 * lanes <= hd; d += 2 * lanes) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int j = lo; j < hi; j++) {
                int vo = vals + j * hd + d;
                FloatVector v0 = FloatVector.fromArray(F, v, vo), v1 = FloatVector.fromArray(F, v, vo + lanes);
                FloatVector a = FloatVector.broadcast(F, p[j]);
                a00 = a.fma(v0, a00);
                a01 = a.fma(v1, a01);
                a = FloatVector.broadcast(F, p[p1 + j]);
                a10 = a.fma(v0, a10);
                a11 = a.fma(v1, a11);
                a = FloatVector.broadcast(F, p[p2 + j]);
                a20 = a.fma(v0, a20);
                a21 = a.fma(v1, a21);
                a = FloatVector.broadcast(F, p[p3 + j]);
                a30 = a.fma(v0, a30);
                a31 = a.fma(v1, a31);
            }
            a00.intoArray(out, qo + d);
            a01.intoArray(out, qo + d + lanes);
            if (rows > 1) {
                a10.intoArray(out, qo + qStride + d);
                a11.intoArray(out, qo + qStride + d + lanes);
            }
            if (rows > 2) {
                a20.intoArray(out, qo + 2 * qStride + d);
                a21.intoArray(out, qo + 2 * qStride + d + lanes);
            }
            if (rows > 3) {
                a30.intoArray(out, qo + 3 * qStride + d);
                a31.intoArray(out, qo + 3 * qStride + d + lanes);
            }
        }
        for (; d < hd; d++) {
            for (int r = 0; r < rows; r++) {
                float acc = 0;
                for (int j = lo; j < hi; j++) acc += p[r * ld + j] * v[vals + j * hd + d];
                out[qo + r * qStride + d] = acc;
            }
        }
    }
}
