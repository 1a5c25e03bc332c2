package dev.cocktail.engine.kernels;


/**
 * Scaled dot-product attention for one sequence and one kv head (every query head that shares it).
 * QROWS query rows at a time: their scores over the keys any of them may see, a scaled softmax per
 * row in F32 (keys a row may not see get probability 0), then the rows' weighted sums of values.
 * Only QROWS rows of scores exist at once, never the T x T matrix. Both products go through Gemm's
 * register tile (QROWS rows x two vectors, twelve independent FMA chains, where one row at a time
 * would leave a single chain waiting on FMA latency), over keys and values packed once per task
 * into the tile's k-major panels.
 */
final class AttentionKernel {
    private AttentionKernel() {}

    /** Query rows per block: the rows of Gemm's register tile. */
    static final int QROWS = Gemm.ROWS;

    /**
     * Floats between rows of scores (and per dimension of packed keys and values) for `keys` keys:
     * rounded up to whole panels (the tile writes a panel at a time) and one panel more, so that
     * rows of a power-of-two length do not all fall into the same L1 set.
     */
    static int stride(int keys) {
        return (keys + Gemm.PANEL - 1) / Gemm.PANEL * Gemm.PANEL + Gemm.PANEL;
    }

    /**
     * kv holds at least stride(past + seqLen) * headDim * 2 floats, scores at least
     * QROWS * stride(past + seqLen).
     */
    static void group(float[] q, float[] k, float[] v, float[] out, AttentionShape s, int b, int g,
                      float[] kv, float[] scores) {
        int hd = s.headDim(), len = s.past() + s.lengths()[b], base = s.firstKeyRow(b), qBase = s.firstQueryRow(b);
        int qStride = s.heads() * hd, kvStride = s.kvHeads() * hd, kvOff = g * hd, ld = stride(len), vals = ld * hd;
        pack(k, v, base * kvStride + kvOff, kvStride, len, hd, kv, ld);
        int perKv = s.heads() / s.kvHeads();
        int[] start = new int[QROWS], end = new int[QROWS];
        for (int h = g * perKv; h < (g + 1) * perKv; h++) {
            for (int i0 = 0, queries = s.queryRows(b); i0 < queries; i0 += QROWS) {
                int rows = Math.min(QROWS, queries - i0), lo = len, hi = 0;
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
                scores(q, qo, qStride, rows, kv, hd, lo, hi, scores, ld);
                for (int r = 0; r < rows; r++) {
                    int row = r * ld, from = Math.max(start[r], lo), to = Math.min(Math.max(end[r], from), hi);
                    java.util.Arrays.fill(scores, row + lo, row + from, 0f);
                    java.util.Arrays.fill(scores, row + to, row + hi, 0f);
                    if (from < to) Activations.probabilities(scores, row + from, row + to, s.scale(), s.softcap());
                }
                weightedValues(scores, ld, rows, lo, hi, kv, vals, v, base * kvStride + kvOff, kvStride, hd, out, qo, qStride);
            }
        }
    }

    /**
     * Keys and values (key j's at k0 + j * kStride, hd floats) packed into the tile's k-major panels
     * of PANEL columns: keys P at a time from kv[0] (a panel row per dimension), values P dimensions
     * at a time from kv[ld * hd] (panel d at ld * hd + d * ld, a row per key); the dimensions past
     * the last whole panel are not packed (weightedValues reads them from v).
     */
    static void pack(float[] k, float[] v, int k0, int kStride, int len, int hd, float[] kv, int ld) {
        int P = Gemm.PANEL, fullDims = hd / P * P, vals = ld * hd;
        for (int j = 0; j < len; j++) {
            int ko = k0 + j * kStride, keys = j / P * hd * P + j % P;
            for (int d = 0; d < hd; d++) kv[keys + d * P] = k[ko + d];
            for (int d = 0; d < fullDims; d += P) System.arraycopy(v, ko + d, kv, vals + d * ld + j * P, P);
        }
    }

    /**
     * scores[r * ld + j] = q_r . k_j for the query rows r < rows (at qo + r * qStride) and keys j in
     * [lo, hi), a panel of keys at a time; whole panels, so also a few places before lo and past hi
     * (within the padded row, never read) from whatever the panels hold there.
     */
    static void scores(float[] q, int qo, int qStride, int rows, float[] keys, int hd, int lo, int hi,
                               float[] scores, int ld) {
        for (int j = lo / Gemm.PANEL * Gemm.PANEL; j < hi; j += Gemm.PANEL) {
            Gemm.tile(q, qo, qStride, rows, hd, keys, j * hd, scores, j, ld, true, null, 0);
        }
    }

    /**
     * out row r (at qo + r * qStride) = sum_j p[r * ld + j] v_j over j in [lo, hi), for r < rows: a
     * panel of dimensions at a time from the packed values (panel d at vals + d * ld), the dimensions
     * past the last whole panel one by one from v itself (key j at v0 + j * kvStride).
     */
    static void weightedValues(float[] p, int ld, int rows, int lo, int hi, float[] packed, int vals,
                                       float[] v, int v0, int kvStride, int hd, float[] out, int qo, int qStride) {
        int d = 0;
        for (; d + Gemm.PANEL <= hd; d += Gemm.PANEL) {
            Gemm.tile(p, lo, ld, rows, hi - lo, packed, vals + d * ld + lo * Gemm.PANEL, out, qo + d, qStride, true, null, 0);
        }
        for (; d < hd; d++) {
            for (int r = 0; r < rows; r++) {
                float acc = 0;
                for (int j = lo; j < hi; j++) acc += p[r * ld + j] * v[v0 + j * kvStride + d];
                out[qo + r * qStride + d] = acc;
            }
        }
    }
}
