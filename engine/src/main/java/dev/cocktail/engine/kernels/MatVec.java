package dev.cocktail.engine.kernels;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[t, j] = x[t, :] . w[j, :] for a few token rows: the product of decoding, bound by reading the
 * weights. Each weight row is read straight from its bytes (BF16 and F16 widened in registers), front
 * to back, so that a worker's share of a matrix is a sequential walk over memory; while the rows being
 * read (a few KB) sit in L1, every token row passes over them, so the weights come from memory once per
 * call whatever the number of tokens.
 * Each output is summed in one fixed order for its dtype, the same whether it comes alone or beside
 * others and whichever worker takes its weights, which is what lets sequences decoded together get the
 * bits each would get alone:
 * F32 (and F64, narrowed first): one chain of vector FMAs along K, then its lanes summed (LaneSum),
 * the scalar tail and the bias, four weight rows side by side (the last few of a matrix alone);
 * BF16 and F16: one row at a time in UNROLL partial sums along K, added together, summed, the tail,
 * the bias. Each is the form that streams its dtype fastest: four F32 rows with one chain each keep
 * each row's loads in address order in the JIT's code, while BF16's widening favours one row at a time.
 */
final class MatVec {
    private MatVec() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Weight rows per unit of work shared out to the workers: the four rows side by side of F32. */
    static final int GROUP = 4;
    /** BF16 and F16: vectors of one row in flight at once, four independent FMA chains along one stream. */
    private static final int UNROLL = 4;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes of scratch a call needs: only F64 weights, which are narrowed to F32 a row at a time first. */
    static int scratchBytes(Tensor w) {
        return w.dtype() == DType.F64 ? w.dim(1) * Float.BYTES : 0;
    }

    /** out[t, n0..n1) (+ bias) for every t < rows. */
    static void rows(float[] x, int rows, Tensor w, int n0, int n1, float[] bias, float[] out, byte[] scratch) {
        int n = w.dim(0), k = w.dim(1);
        MemorySegment seg = w.data();
        DType dtype = w.dtype();
        long rowBytes = (long) k * dtype.byteSize();
        int j = n0;
        if (dtype == DType.F32) {
            for (; j + 4 <= n1; j += 4) {
                for (int t = 0; t < rows; t++) fourF32(x, t * k, seg, j * rowBytes, k, bias, out, t * n + j, j);
            }
        }
        for (; j < n1; j++) {
            long at = j * rowBytes;
            if (dtype == DType.F64) { // rare enough to narrow first: the kernel then reads F32
                MemorySegment narrowed = MemorySegment.ofArray(scratch);
                for (int i = 0; i < k; i++) narrowed.setAtIndex(FLOAT, i, (float) seg.get(DOUBLE, at + 8L * i));
                for (int t = 0; t < rows; t++) out[t * n + j] = biased(dotF32(x, t * k, narrowed, 0, k), bias, j);
            } else if (dtype == DType.F32) {
                for (int t = 0; t < rows; t++) out[t * n + j] = biased(dotF32(x, t * k, seg, at, k), bias, j);
            } else {
                for (int t = 0; t < rows; t++) out[t * n + j] = biased(dot(x, t * k, seg, dtype, at, k), bias, j);
            }
        }
    }

    /**
     * out[o..o+4) = the four F32 weight rows from byte `at` . x[x0..x0+k), + bias[j..j+4): each row
     * dotF32's steps, the four side by side, each vector of x loaded once for all four.
     */
    private static void fourF32(float[] x, int x0, MemorySegment seg, long at, int k, float[] bias, float[] out, int o, int j) {
        int lanes = F.length(), i = 0;
        long row = 4L * k;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (int bound = F.loopBound(k); i < bound; i += lanes) {
            FloatVector xi = FloatVector.fromArray(F, x, x0 + i);
            long p = at + 4L * i;
            a = f32(seg, p).fma(xi, a);
            b = f32(seg, p + row).fma(xi, b);
            c = f32(seg, p + 2 * row).fma(xi, c);
            d = f32(seg, p + 3 * row).fma(xi, d);
        }
        float sa = LaneSum.of(a), sb = LaneSum.of(b), sc = LaneSum.of(c), sd = LaneSum.of(d);
        for (; i < k; i++) {
            float xi = x[x0 + i];
            long p = at + 4L * i;
            sa += xi * seg.get(FLOAT, p);
            sb += xi * seg.get(FLOAT, p + row);
            sc += xi * seg.get(FLOAT, p + 2 * row);
            sd += xi * seg.get(FLOAT, p + 3 * row);
        }
        out[o] = biased(sa, bias, j);
        out[o + 1] = biased(sb, bias, j + 1);
        out[o + 2] = biased(sc, bias, j + 2);
        out[o + 3] = biased(sd, bias, j + 3);
    }

    /** x[x0..x0+k) . (the row of k F32 weights from byte `at` of seg): one FMA chain, its lanes summed, the tail. */
    private static float dotF32(float[] x, int x0, MemorySegment seg, long at, int k) {
        int lanes = F.length(), i = 0;
        FloatVector a = FloatVector.zero(F);
        for (int bound = F.loopBound(k); i < bound; i += lanes) a = f32(seg, at + 4L * i).fma(FloatVector.fromArray(F, x, x0 + i), a);
        float s = LaneSum.of(a);
        for (; i < k; i++) s += x[x0 + i] * seg.get(FLOAT, at + 4L * i);
        return s;
    }

    /**
     * x[x0..x0+k) . (the row of k BF16 or F16 weights from byte `at` of seg): UNROLL vectors at a time,
     * each into its own accumulator, added together in a fixed order at the end, then the scalar tail.
     */
    private static float dot(float[] x, int x0, MemorySegment seg, DType dtype, long at, int k) {
        int lanes = F.length(), step = UNROLL * lanes;
        long size = dtype.byteSize(), b1 = lanes * size, b2 = 2 * b1, b3 = 3 * b1;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = k - k % step; i < bound; i += step) {
            long b = at + i * size;
            a0 = load(seg, dtype, b).fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = load(seg, dtype, b + b1).fma(FloatVector.fromArray(F, x, x0 + i + lanes), a1);
            a2 = load(seg, dtype, b + b2).fma(FloatVector.fromArray(F, x, x0 + i + 2 * lanes), a2);
            a3 = load(seg, dtype, b + b3).fma(FloatVector.fromArray(F, x, x0 + i + 3 * lanes), a3);
        }
        for (int bound = F.loopBound(k); i < bound; i += lanes) {
            a0 = load(seg, dtype, at + i * size).fma(FloatVector.fromArray(F, x, x0 + i), a0);
        }
        float s = LaneSum.of(a0.add(a1).add(a2.add(a3)));
        for (; i < k; i++) s += x[x0 + i] * scalar(seg, dtype, at + i * size);
        return s;
    }

    private static float biased(float s, float[] bias, int j) {
        return bias == null ? s : s + bias[j];
    }

    private static FloatVector f32(MemorySegment seg, long at) {
        return FloatVector.fromMemorySegment(F, seg, at, ByteOrder.LITTLE_ENDIAN);
    }

    /** A vector of BF16 or F16 weights from byte `at`, widened to F32. */
    private static FloatVector load(MemorySegment seg, DType dtype, long at) {
        return dtype == DType.BF16 ? Convert.bf16Vector(seg, at) : Convert.f16Vector(seg, at);
    }

    /** One BF16 or F16 weight from byte `at`, widened to F32. */
    private static float scalar(MemorySegment seg, DType dtype, long at) {
        short bits = seg.get(SHORT, at);
        return dtype == DType.BF16 ? Convert.bf16ToF32(bits) : Convert.f16ToF32(bits);
    }
}
