package dev.cocktail.engine.kernels;

import dev.cocktail.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[t, n] = sum_k x[t, k] * w[n, k]: the batched matrix product at the heart of prefill.
 *
 * The weight rows are split into blocks, one block per task. A task walks K in chunks; for each
 * chunk it widens its rows from the file dtype (F32, BF16, F16) into the worker's scratch, sized to
 * stay in L2, so every weight byte is read from memory and widened once per call, whatever the
 * number of tokens. It then sweeps the tokens over that chunk in register tiles of 4 token rows x
 * 3 weight rows: 12 vector accumulators, each loaded vector feeding 3 or 4 FMAs. The chunk keeps a
 * tile's 4 token rows (8 KB) in L1 while the weight rows stream from L2.
 */
final class Gemm {
    private Gemm() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int TILE_ROWS = 4;
    static final int TILE_COLS = 3;
    /** Columns of K per chunk: 4 token rows of it take 8 KB of L1. */
    static final int CHUNK = 512;
    /** Floats of widened weights per block: 256 KB, half of a common L2. */
    static final int BLOCK_FLOATS = 64 * 1024;

    /**
     * Weight rows per block: a multiple of TILE_COLS that fits BLOCK_FLOATS, and small enough that
     * n rows make at least two blocks per worker, so the workers finish together.
     */
    static int blockRows(int n, int k, int workers) {
        int fit = BLOCK_FLOATS / Math.min(k, CHUNK);
        int share = (n + 2 * workers - 1) / (2 * workers);
        int rows = Math.min(fit, share);
        return Math.max(TILE_COLS, (rows + TILE_COLS - 1) / TILE_COLS * TILE_COLS);
    }

    /** Computes out[t, n0..n1) for every t < rows; wbuf holds at least (n1 - n0) * min(k, CHUNK) floats. */
    static void block(float[] x, int rows, Tensor w, int n0, int n1, float[] bias, float[] out, float[] wbuf) {
        int n = w.dim(0), k = w.dim(1), cols = n1 - n0;
        for (int c0 = 0; c0 < k; c0 += CHUNK) {
            int kc = Math.min(CHUNK, k - c0);
            boolean first = c0 == 0;
            for (int j = 0; j < cols; j++) w.toF32((long) (n0 + j) * k + c0, wbuf, j * kc, kc);
            int t = 0;
            for (; t + TILE_ROWS <= rows; t += TILE_ROWS) {
                int j = 0;
                for (; j + TILE_COLS <= cols; j += TILE_COLS) {
                    tile(x, t * k + c0, k, wbuf, j * kc, kc, out, t * n + n0 + j, n, first);
                }
                for (; j < cols; j++) {
                    for (int r = 0; r < TILE_ROWS; r++) accumulate(out, (t + r) * n + n0 + j, dot(x, (t + r) * k + c0, wbuf, j * kc, kc), first);
                }
            }
            for (; t < rows; t++) {
                for (int j = 0; j < cols; j++) accumulate(out, t * n + n0 + j, dot(x, t * k + c0, wbuf, j * kc, kc), first);
            }
        }
        if (bias != null) {
            for (int t = 0; t < rows; t++) {
                for (int j = n0; j < n1; j++) out[t * n + j] += bias[j];
            }
        }
    }

    private static void accumulate(float[] out, int o, float v, boolean first) {
        out[o] = first ? v : out[o] + v;
    }

    /**
     * The 4 x 3 register tile: out[r, c] (+)= x row (x0 + r*ldx) . w row (w0 + c*k) over k values;
     * stores when first, else adds to what earlier chunks left.
     */
    private static void tile(float[] x, int x0, int ldx, float[] w, int w0, int k, float[] out, int o, int ldo, boolean first) {
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx, w1 = w0 + k, w2 = w1 + k;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        int i = 0;
        for (int bound = F.loopBound(k); i < bound; i += F.length()) {
            FloatVector b0 = FloatVector.fromArray(F, w, w0 + i);
            FloatVector b1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector b2 = FloatVector.fromArray(F, w, w2 + i);
            FloatVector a = FloatVector.fromArray(F, x, x0 + i);
            a00 = a.fma(b0, a00);
            a01 = a.fma(b1, a01);
            a02 = a.fma(b2, a02);
            a = FloatVector.fromArray(F, x, x1 + i);
            a10 = a.fma(b0, a10);
            a11 = a.fma(b1, a11);
            a12 = a.fma(b2, a12);
            a = FloatVector.fromArray(F, x, x2 + i);
            a20 = a.fma(b0, a20);
            a21 = a.fma(b1, a21);
            a22 = a.fma(b2, a22);
            a = FloatVector.fromArray(F, x, x3 + i);
            a30 = a.fma(b0, a30);
            a31 = a.fma(b1, a31);
            a32 = a.fma(b2, a32);
        }
        float s00 = a00.reduceLanes(VectorOperators.ADD), s01 = a01.reduceLanes(VectorOperators.ADD);
        float s02 = a02.reduceLanes(VectorOperators.ADD), s10 = a10.reduceLanes(VectorOperators.ADD);
        float s11 = a11.reduceLanes(VectorOperators.ADD), s12 = a12.reduceLanes(VectorOperators.ADD);
        float s20 = a20.reduceLanes(VectorOperators.ADD), s21 = a21.reduceLanes(VectorOperators.ADD);
        float s22 = a22.reduceLanes(VectorOperators.ADD), s30 = a30.reduceLanes(VectorOperators.ADD);
        float s31 = a31.reduceLanes(VectorOperators.ADD), s32 = a32.reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            float b0 = w[w0 + i], b1 = w[w1 + i], b2 = w[w2 + i];
            float a = x[x0 + i];
            s00 += a * b0;
            s01 += a * b1;
            s02 += a * b2;
            a = x[x1 + i];
            s10 += a * b0;
            s11 += a * b1;
            s12 += a * b2;
            a = x[x2 + i];
            s20 += a * b0;
            s21 += a * b1;
            s22 += a * b2;
            a = x[x3 + i];
            s30 += a * b0;
            s31 += a * b1;
            s32 += a * b2;
        }
        accumulate(out, o, s00, first);
        accumulate(out, o + 1, s01, first);
        accumulate(out, o + 2, s02, first);
        o += ldo;
        accumulate(out, o, s10, first);
        accumulate(out, o + 1, s11, first);
        accumulate(out, o + 2, s12, first);
        o += ldo;
        accumulate(out, o, s20, first);
        accumulate(out, o + 1, s21, first);
        accumulate(out, o + 2, s22, first);
        o += ldo;
        accumulate(out, o, s30, first);
        accumulate(out, o + 1, s31, first);
        accumulate(out, o + 2, s32, first);
    }

    /** a[ao..ao+k) . b[bo..bo+k), for the rows and columns that do not fill a tile. */
    static float dot(float[] a, int ao, float[] b, int bo, int k) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(k); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
