package dev.cocktail.engine.kernels;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[t, n] = sum_k x[t, k] * w[n, k]: the batched matrix product at the heart of prefill.
 *
 * The weight rows (output columns) are split into blocks, one block per task. A task walks K in
 * equal slices of at most KC; for each slice it widens its weights from the file dtype (F32, BF16,
 * F16) and packs them k-major into panels of PANEL columns, so every weight byte is read from memory and widened
 * once per call, whatever the number of tokens. It then sweeps the tokens, MC rows at a time (kept
 * in L2), over each panel (kept in L1) in register tiles of ROWS tokens x PANEL columns: the tile's
 * 12 accumulators take, per k, two vector loads of the panel and six broadcasts of x, and are
 * stored as whole vectors: the outer-product form of BLIS and MLAS, with no horizontal sums.
 * Up to FEW_ROWS tokens, fewRows packs the tokens instead of the weights, and fewer than ROWS
 * tokens (decoding) go to MatVec, which reads each weight once too.
 * Every output of block and fewRows is one chain of fused multiply-adds over k in order, from the
 * bias (or zero), so its bits depend neither on the path nor on the rows beside it.
 */
final class Gemm {
    private Gemm() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Output columns of a register tile: two vectors. */
    static final int PANEL = 2 * F.length();
    /** Token rows of a register tile: 6 x 2 accumulators + 2 panel vectors + 1 broadcast fill 15 of AVX2's 16 registers. */
    static final int ROWS = 6;
    /** Most K per packed slice: one panel of it (at most 24 KB with 8 lanes) stays in L1 while the tokens pass. */
    static final int KC = 384;
    /** Token rows per pass over the packed slice: MC x KC floats (at most 144 KB) stay in L2. */
    static final int MC = 96;
    /** Packed floats per block: 256 KB, half of a common L2. */
    static final int BLOCK_FLOATS = 64 * 1024;

    /**
     * Output columns per block: a multiple of PANEL that fits BLOCK_FLOATS, and small enough that
     * n columns make at least four blocks per worker, so that a worker slowed down (on a shared
     * machine, a core often runs slower than the other for a while) holds the others up by a small
     * block at most: with two blocks per worker, BERT's products with 384 outputs kept one core
     * waiting for the other a measurable share of their time (bench/RESULTS.md).
     */
    static int blockCols(int n, int k, int workers) {
        int fit = BLOCK_FLOATS / sliceK(k);
        int share = (n + 4 * workers - 1) / (4 * workers);
        int cols = Math.min(fit, share);
        return Math.max(PANEL, (cols + PANEL - 1) / PANEL * PANEL);
    }

    /** K per slice: K cut into equal slices of at most KC, so no slice is a short remainder. */
    static int sliceK(int k) {
        return sliceK(k, KC);
    }

    private static int sliceK(int k, int most) {
        int slices = (k + most - 1) / most;
        return (k + slices - 1) / slices;
    }

    /** Floats of scratch a block of `cols` columns needs: its packed slice, the rows being packed and a tile. */
    static int scratchFloats(int cols, int k) {
        return packedFloats(cols, k) + F.length() * KC + 2 * F.length() * F.length() + ROWS * PANEL;
    }

    /** A packed slice of `cols` columns: whole panels, the last one padded. */
    private static int packedFloats(int cols, int k) {
        return (cols + PANEL - 1) / PANEL * PANEL * sliceK(k);
    }

    /**
     * Computes out[t, n0..n1) (+ bias) for every t < rows (at least ROWS), with scratch of scratchFloats(n1 - n0, k)
     * floats. The first K slice stores (with the bias), the others add. Each panel is packed just before
     * its first use, so that it is still in L1 when the tokens pass over it.
     */
    static void block(float[] x, int rows, Tensor w, int n0, int n1, float[] bias, float[] out, float[] scratch) {
        int n = w.dim(0), k = w.dim(1), slice = sliceK(k);
        int widened = packedFloats(n1 - n0, k), spill = widened + F.length() * KC + 2 * F.length() * F.length();
        for (int c0 = 0; c0 < k; c0 += slice) {
            int kc = Math.min(slice, k - c0);
            float[] b = c0 == 0 ? bias : null;
            for (int m0 = 0; m0 < rows; m0 += MC) {
                int m1 = Math.min(rows, m0 + MC);
                for (int j = n0; j < n1; j += PANEL) {
                    int width = Math.min(PANEL, n1 - j), p = (j - n0) * kc;
                    if (m0 == 0) pack(w, j, width, c0, kc, scratch, p, widened);
                    for (int t = m0; t < m1; t += ROWS) {
                        int valid = Math.min(ROWS, m1 - t);
                        if (width == PANEL) {
                            tile(x, t * k + c0, k, valid, kc, scratch, p, out, t * n + j, n, c0 == 0, b, j);
                            continue;
                        }
                        // a last, narrower panel: its columns pass through a tile in scratch, from
                        // the bias or what earlier slices left in out, and back to out
                        for (int r = 0; r < valid; r++) {
                            for (int c = 0; c < PANEL; c++) {
                                int o = (t + r) * n + j + c;
                                scratch[spill + r * PANEL + c] = c >= width ? 0f : c0 > 0 ? out[o] : b == null ? 0f : b[j + c];
                            }
                        }
                        tile(x, t * k + c0, k, valid, kc, scratch, p, scratch, spill, PANEL, false, null, 0);
                        for (int r = 0; r < valid; r++) System.arraycopy(scratch, spill + r * PANEL, out, (t + r) * n + j, width);
                    }
                }
            }
        }
    }

    /**
     * Computes out[t, n0..n1) (+ bias) for every t < rows (at most FEW_ROWS) with the roles of the tile
     * swapped, for products with few token rows, where block's pack of every weight panel (a
     * transpose) would be paid for few rows: the tokens come packed into panels instead (packTokens,
     * once per call), and ROWS weight rows at a time pass through the tile's broadcast side: F32 rows
     * read in place by segmentTile, other dtypes widened into scratch as they lie first. The tile's
     * output is then transposed, out^T [n1 - n0 x tokens] in scratch (fewScratchFloats floats),
     * copied into out at the end, squares of lanes x lanes at a time. Each
     * output is still one chain of fused multiply-adds over k in order, from the bias (or zero): the
     * bits of block, whatever path runs.
     */
    static void fewRows(float[] panels, int rows, Tensor w, int n0, int n1, float[] bias, float[] out, float[] scratch) {
        int n = w.dim(0), k = w.dim(1), slice = sliceK(k, FEW_KC), tokens = paddedTokens(rows), acc = ROWS * slice;
        for (int c = n0; c < n1; c++) {
            int a = acc + (c - n0) * tokens;
            java.util.Arrays.fill(scratch, a, a + tokens, bias == null ? 0f : bias[c]);
        }
        for (int c0 = 0; c0 < k; c0 += slice) {
            int kc = Math.min(slice, k - c0);
            for (int j = n0; j < n1; j += ROWS) {
                int valid = Math.min(ROWS, n1 - j);
                if (w.dtype() == DType.F32) {
                    for (int t = 0; t < tokens; t += PANEL) {
                        segmentTile(w.data(), (long) j * k + c0, k, valid, kc, panels, tokens * c0 + t * kc, scratch, acc + (j - n0) * tokens + t, tokens);
                    }
                    continue;
                }
                for (int r = 0; r < valid; r++) w.toF32((long) (j + r) * k + c0, scratch, r * kc, kc);
                for (int t = 0; t < tokens; t += PANEL) {
                    tile(scratch, 0, kc, valid, kc, panels, tokens * c0 + t * kc, scratch, acc + (j - n0) * tokens + t, tokens, false, null, 0);
                }
            }
        }
        int lanes = F.length(), squares = acc + (n1 - n0) * tokens, c = n0;
        for (; c + lanes <= n1; c += lanes) {
            int t = 0;
            for (; t + lanes <= rows; t += lanes) transpose(scratch, acc + (c - n0) * tokens + t, tokens, out, t * n + c, n, squares);
            for (; t < rows; t++) {
                for (int r = c; r < c + lanes; r++) out[t * n + r] = scratch[acc + (r - n0) * tokens + t];
            }
        }
        for (int t = 0; t < rows; t++) {
            for (int r = c; r < n1; r++) out[t * n + r] = scratch[acc + (r - n0) * tokens + t];
        }
    }

    /**
     * Packs tokens [panel * PANEL, + PANEL) of x (rows x k) into dst for fewRows, every K slice: the
     * panels of slice c0 at tokens * c0, this one kc * PANEL floats per panel further, through a spare
     * region of its own after all the panels (tokenFloats floats in all), so that panels pack side by side.
     */
    static void packTokens(float[] x, int rows, int k, int panel, float[] dst) {
        int tokens = paddedTokens(rows), slice = sliceK(k, FEW_KC), t = panel * PANEL;
        int spare = tokens * k + panel * spareFloats(slice);
        for (int c0 = 0; c0 < k; c0 += slice) {
            int kc = Math.min(slice, k - c0);
            pack(x, k, t, Math.min(PANEL, rows - t), c0, kc, dst, tokens * c0 + t * kc, spare);
        }
    }

    /** Most token rows that fewRows takes: beyond, block's pack of the weights is spread over enough rows. */
    static final int FEW_ROWS = 96;
    /**
     * Most K per fewRows slice: d_model-sized rows whole, so that the ROWS weight rows widened at a time
     * are one stretch of memory, which the hardware prefetcher follows from one group to the next.
     */
    private static final int FEW_KC = 768;

    /** Token rows rounded up to whole panels. */
    private static int paddedTokens(int rows) {
        return (rows + PANEL - 1) / PANEL * PANEL;
    }

    /** Token panels of `rows` rows, the tasks of packTokens. */
    static int tokenPanels(int rows) {
        return paddedTokens(rows) / PANEL;
    }

    /** Floats packTokens fills: the panels of every K slice and a spare region per panel. */
    static int tokenFloats(int rows, int k) {
        return paddedTokens(rows) * k + tokenPanels(rows) * spareFloats(sliceK(k, FEW_KC));
    }

    /** pack's rows of a slice and its two squares. */
    private static int spareFloats(int slice) {
        return F.length() * slice + 2 * F.length() * F.length();
    }

    /** Output columns per fewRows block: a multiple of ROWS, four blocks per worker (see blockCols). */
    static int fewCols(int n, int workers) {
        int share = (n + 4 * workers - 1) / (4 * workers);
        return (share + ROWS - 1) / ROWS * ROWS;
    }

    /** Floats of scratch a fewRows block of `cols` columns needs: ROWS widened weight rows, out^T and transpose's two squares. */
    static int fewScratchFloats(int cols, int rows, int k) {
        return ROWS * sliceK(k, FEW_KC) + cols * paddedTokens(rows) + 2 * F.length() * F.length();
    }

    /**
     * Widens w[j..j+width, c0..c0+kc) into one k-major panel of PANEL columns at dst[p..p+kc*PANEL),
     * zeros past `width`: a vector's worth of weight rows at a time is widened into dst[widened..),
     * KC floats apart, and transposed into the panel by toPanel.
     */
    private static void pack(Tensor w, int j, int width, int c0, int kc, float[] dst, int p, int widened) {
        int k = w.dim(1), lanes = F.length();
        for (int h = 0; h < PANEL; h += lanes) {
            int valid = Math.max(0, Math.min(lanes, width - h));
            for (int r = 0; r < valid; r++) w.toF32((long) (j + h + r) * k + c0, dst, widened + r * KC, kc);
            toPanel(dst, valid, kc, p + h, widened, KC);
        }
    }

    /** pack for rows of a float array: x[t..t+width, c0..c0+kc) of rows k long into the panel at dst[p..). */
    private static void pack(float[] x, int k, int t, int width, int c0, int kc, float[] dst, int p, int widened) {
        for (int h = 0; h < PANEL; h += F.length()) {
            int valid = Math.max(0, Math.min(F.length(), width - h));
            for (int r = 0; r < valid; r++) System.arraycopy(x, (t + h + r) * k + c0, dst, widened + r * kc, kc);
            toPanel(dst, valid, kc, p + h, widened, kc);
        }
    }

    /**
     * Transposes the `valid` rows of kc floats at dst[widened..), `stride` apart, zeros for the lanes - valid
     * rows after them, into lanes columns of the panel at dst[p..): a square of lanes x lanes at a time
     * (the last kc % lanes columns one by one), through the two squares of scratch after the rows.
     */
    private static void toPanel(float[] dst, int valid, int kc, int p, int widened, int stride) {
        int lanes = F.length(), squares = widened + lanes * stride;
        for (int r = valid; r < lanes; r++) java.util.Arrays.fill(dst, widened + r * stride, widened + r * stride + kc, 0f);
        int i = 0;
        for (; i + lanes <= kc; i += lanes) transpose(dst, widened + i, stride, dst, p + i * PANEL, PANEL, squares);
        for (; i < kc; i++) {
            for (int r = 0; r < lanes; r++) dst[p + i * PANEL + r] = dst[widened + r * stride + i];
        }
    }

    /**
     * SWAP[s] (first half) and SWAP[s] + lanes (second half): the lane indices, into a pair of rows d =
     * lanes / 2^(s+1) apart, that swap the pair's off-diagonal d x d blocks (selectFrom's indices: below
     * lanes the first row, from lanes on the second).
     */
    private static final float[][] SWAP = swaps();

    private static float[][] swaps() {
        int lanes = F.length(), stages = Integer.numberOfTrailingZeros(lanes);
        float[][] s = new float[stages][2 * lanes];
        for (int stage = 0, d = lanes / 2; stage < stages; stage++, d /= 2) {
            for (int l = 0; l < lanes; l++) {
                s[stage][l] = (l & d) == 0 ? l : lanes + l - d;
                s[stage][lanes + l] = (l & d) == 0 ? l + d : lanes + l;
            }
        }
        return s;
    }

    /**
     * dst[d0 + c * ld + r] = a[s0 + r * ls + c] for a square of lanes x lanes: log2(lanes) stages, each
     * swapping the off-diagonal blocks of row pairs (halves, then quarters, down to single lanes). Two
     * stages at a time run in registers on four rows, from memory to memory: the first round reads the
     * source, the last writes the destination, the others pass through the two squares at
     * a[b0..b0 + 2 lanes^2), which stay in L1 (vectors held in an array, to stay in registers, would be boxed).
     */
    private static void transpose(float[] a, int s0, int ls, float[] dst, int d0, int ld, int b0) {
        int lanes = F.length(), at = s0, stride = ls;
        for (int stage = 0, round = 0; stage < SWAP.length; stage += 2, round++) {
            boolean last = stage + 2 >= SWAP.length;
            int to = last ? d0 : b0 + (round & 1) * lanes * lanes, toStride = last ? ld : lanes;
            float[] into = last ? dst : a;
            int d = lanes >> (stage + 1), e = d / 2, next = Math.min(stage + 1, SWAP.length - 1);
            FloatVector f1 = FloatVector.fromArray(F, SWAP[stage], 0), s1 = FloatVector.fromArray(F, SWAP[stage], lanes);
            FloatVector f2 = FloatVector.fromArray(F, SWAP[next], 0), s2 = FloatVector.fromArray(F, SWAP[next], lanes);
            for (int r = 0; r < lanes; r++) {
                if ((r & (d | e)) != 0) continue;
                FloatVector u0 = FloatVector.fromArray(F, a, at + r * stride), u2 = FloatVector.fromArray(F, a, at + (r + d) * stride);
                FloatVector v0 = f1.selectFrom(u0, u2), v2 = s1.selectFrom(u0, u2);
                if (e == 0) { // an odd number of stages ends with a single one
                    v0.intoArray(into, to + r * toStride);
                    v2.intoArray(into, to + (r + d) * toStride);
                    continue;
                }
                FloatVector u1 = FloatVector.fromArray(F, a, at + (r + e) * stride), u3 = FloatVector.fromArray(F, a, at + (r + d + e) * stride);
                FloatVector v1 = f1.selectFrom(u1, u3), v3 = s1.selectFrom(u1, u3);
                f2.selectFrom(v0, v1).intoArray(into, to + r * toStride);
                s2.selectFrom(v0, v1).intoArray(into, to + (r + e) * toStride);
                f2.selectFrom(v2, v3).intoArray(into, to + (r + d) * toStride);
                s2.selectFrom(v2, v3).intoArray(into, to + (r + d + e) * toStride);
            }
            at = to;
            stride = toStride;
        }
    }

    /**
     * The ROWS x PANEL register tile: out row r (at o + r * ldo), PANEL floats, (+)= sum over
     * i < kc of x[x0 + r * ldx + i] * p[p0 + i * PANEL .. + PANEL) (a k-major panel), for the first
     * `valid` rows (the others repeat the last valid row and are not stored). The accumulators start
     * from what earlier slices left, or when first from bias[j..j+PANEL) (zero without a bias).
     * Attention runs its two products through it too, over keys and values packed into panels.
     * The panel stride stays the constant PANEL: as a parameter it made the tile slower. Everything
     * stays in this one method: a vector passed to a call the JIT does not inline is boxed, which
     * costs more than the whole tile.
     */
    static void tile(float[] x, int x0, int ldx, int valid, int kc, float[] p, int p0,
                     float[] out, int o, int ldo, boolean first, float[] bias, int j) {
        int last = valid - 1, lanes = F.length();
        int x1 = x0 + Math.min(1, last) * ldx, x2 = x0 + Math.min(2, last) * ldx;
        int x3 = x0 + Math.min(3, last) * ldx, x4 = x0 + Math.min(4, last) * ldx, x5 = x0 + Math.min(5, last) * ldx;
        int o1 = o + Math.min(1, last) * ldo, o2 = o + Math.min(2, last) * ldo, o3 = o + Math.min(3, last) * ldo;
        int o4 = o + Math.min(4, last) * ldo, o5 = o + Math.min(5, last) * ldo;
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51;
        if (first) {
            a00 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j);
            a01 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j + lanes);
            a10 = a20 = a30 = a40 = a50 = a00;
            a11 = a21 = a31 = a41 = a51 = a01;
        } else {
            a00 = FloatVector.fromArray(F, out, o);
            a01 = FloatVector.fromArray(F, out, o + lanes);
            a10 = FloatVector.fromArray(F, out, o1);
            a11 = FloatVector.fromArray(F, out, o1 + lanes);
            a20 = FloatVector.fromArray(F, out, o2);
            a21 = FloatVector.fromArray(F, out, o2 + lanes);
            a30 = FloatVector.fromArray(F, out, o3);
            a31 = FloatVector.fromArray(F, out, o3 + lanes);
            a40 = FloatVector.fromArray(F, out, o4);
            a41 = FloatVector.fromArray(F, out, o4 + lanes);
            a50 = FloatVector.fromArray(F, out, o5);
            a51 = FloatVector.fromArray(F, out, o5 + lanes);
        }
        for (int i = 0; i < kc; i++) {
            FloatVector b0 = FloatVector.fromArray(F, p, p0 + i * PANEL);
            FloatVector b1 = FloatVector.fromArray(F, p, p0 + i * PANEL + lanes);
            FloatVector a = FloatVector.broadcast(F, x[x0 + i]);
            a00 = a.fma(b0, a00);
            a01 = a.fma(b1, a01);
            a = FloatVector.broadcast(F, x[x1 + i]);
            a10 = a.fma(b0, a10);
            a11 = a.fma(b1, a11);
            a = FloatVector.broadcast(F, x[x2 + i]);
            a20 = a.fma(b0, a20);
            a21 = a.fma(b1, a21);
            a = FloatVector.broadcast(F, x[x3 + i]);
            a30 = a.fma(b0, a30);
            a31 = a.fma(b1, a31);
            a = FloatVector.broadcast(F, x[x4 + i]);
            a40 = a.fma(b0, a40);
            a41 = a.fma(b1, a41);
            a = FloatVector.broadcast(F, x[x5 + i]);
            a50 = a.fma(b0, a50);
            a51 = a.fma(b1, a51);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + lanes);
        if (valid > 1) {
            a10.intoArray(out, o1);
            a11.intoArray(out, o1 + lanes);
        }
        if (valid > 2) {
            a20.intoArray(out, o2);
            a21.intoArray(out, o2 + lanes);
        }
        if (valid > 3) {
            a30.intoArray(out, o3);
            a31.intoArray(out, o3 + lanes);
        }
        if (valid > 4) {
            a40.intoArray(out, o4);
            a41.intoArray(out, o4 + lanes);
        }
        if (valid > 5) {
            a50.intoArray(out, o5);
            a51.intoArray(out, o5 + lanes);
        }
    }

    /** An F32 weight as the file stores it. */
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * tile's loop for fewRows on F32 weights, read in place: `valid` weight rows of w from element w0,
     * k apart, broadcast straight from the segment, so that their loads from memory overlap the
     * arithmetic instead of a copy running before it; accumulates onto out (fewRows' out^T). A loop of
     * its own: one tile for both sources (arrays wrapped as segments, or a branch per broadcast) made
     * every product slower (bench/RESULTS.md).
     */
    static void segmentTile(MemorySegment w, long w0, int k, int valid, int kc, float[] p, int p0, float[] out, int o, int ldo) {
        int last = valid - 1, lanes = F.length();
        long x0 = w0;
        int o0 = o;
        long x1 = w0 + (long) Math.min(1, last) * k;
        int o1 = o + Math.min(1, last) * ldo;
        long x2 = w0 + (long) Math.min(2, last) * k;
        int o2 = o + Math.min(2, last) * ldo;
        long x3 = w0 + (long) Math.min(3, last) * k;
        int o3 = o + Math.min(3, last) * ldo;
        long x4 = w0 + (long) Math.min(4, last) * k;
        int o4 = o + Math.min(4, last) * ldo;
        long x5 = w0 + (long) Math.min(5, last) * k;
        int o5 = o + Math.min(5, last) * ldo;
        FloatVector a00 = FloatVector.fromArray(F, out, o0), a01 = FloatVector.fromArray(F, out, o0 + lanes);
        FloatVector a10 = FloatVector.fromArray(F, out, o1), a11 = FloatVector.fromArray(F, out, o1 + lanes);
        FloatVector a20 = FloatVector.fromArray(F, out, o2), a21 = FloatVector.fromArray(F, out, o2 + lanes);
        FloatVector a30 = FloatVector.fromArray(F, out, o3), a31 = FloatVector.fromArray(F, out, o3 + lanes);
        FloatVector a40 = FloatVector.fromArray(F, out, o4), a41 = FloatVector.fromArray(F, out, o4 + lanes);
        FloatVector a50 = FloatVector.fromArray(F, out, o5), a51 = FloatVector.fromArray(F, out, o5 + lanes);
        for (int i = 0; i < kc; i++) {
            FloatVector b0 = FloatVector.fromArray(F, p, p0 + i * PANEL), b1 = FloatVector.fromArray(F, p, p0 + i * PANEL + lanes);
            FloatVector s0 = FloatVector.broadcast(F, w.getAtIndex(FLOAT, x0 + i));
            a00 = s0.fma(b0, a00);
            a01 = s0.fma(b1, a01);
            FloatVector s1 = FloatVector.broadcast(F, w.getAtIndex(FLOAT, x1 + i));
            a10 = s1.fma(b0, a10);
            a11 = s1.fma(b1, a11);
            FloatVector s2 = FloatVector.broadcast(F, w.getAtIndex(FLOAT, x2 + i));
            a20 = s2.fma(b0, a20);
            a21 = s2.fma(b1, a21);
            FloatVector s3 = FloatVector.broadcast(F, w.getAtIndex(FLOAT, x3 + i));
            a30 = s3.fma(b0, a30);
            a31 = s3.fma(b1, a31);
            FloatVector s4 = FloatVector.broadcast(F, w.getAtIndex(FLOAT, x4 + i));
            a40 = s4.fma(b0, a40);
            a41 = s4.fma(b1, a41);
            FloatVector s5 = FloatVector.broadcast(F, w.getAtIndex(FLOAT, x5 + i));
            a50 = s5.fma(b0, a50);
            a51 = s5.fma(b1, a51);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + lanes);
        if (valid > 1) { a10.intoArray(out, o1); a11.intoArray(out, o1 + lanes); }
        if (valid > 2) { a20.intoArray(out, o2); a21.intoArray(out, o2 + lanes); }
        if (valid > 3) { a30.intoArray(out, o3); a31.intoArray(out, o3 + lanes); }
        if (valid > 4) { a40.intoArray(out, o4); a41.intoArray(out, o4 + lanes); }
        if (valid > 5) { a50.intoArray(out, o5); a51.intoArray(out, o5 + lanes); }
    }

    /** a[ao..ao+k) . b[bo..bo+k), for fewer token rows than a tile. */
    static float dot(float[] a, int ao, float[] b, int bo, int k) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(k); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = LaneSum.of(acc);
        for (; i < k; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
