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
 * to back, so that a worker's share of a matrix is one sequential stream of memory; while the row (a
 * few KB) sits in L1, every token row passes over it, so the weights come from memory once per call
 * whatever the number of tokens.
 * Each output is one token row's dot product in a fixed order (UNROLL lane-wise partial sums along K,
 * added together, reduced, the scalar tail, then the bias): its bits depend neither on how many token
 * rows came along nor on which worker took its weights, which is what lets sequences decoded together
 * get the bits each would get alone.
 */
final class MatVec {
    private MatVec() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Weight rows per unit of work shared out to the workers. */
    static final int GROUP = 4;
    /**
     * Vectors of one row in flight at once: four independent FMA chains along one stream of memory.
     * One row at a time, read front to back, streams faster than several rows side by side (a stream
     * each), most of all for BF16, whose rows are half as long; F32 weights for one token row are the
     * exception (twoF32).
     */
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
        int j = n0;
        if (rows == 1 && w.dtype() == DType.F32 && k % (UNROLL * F.length()) == 0) {
            for (; j + 2 <= n1; j += 2) twoF32(x, w.data(), 4L * j * k, k, bias, out, j);
        }
        for (; j < n1; j++) {
            MemorySegment seg = w.data();
            DType dtype = w.dtype();
            long at = (long) j * k * dtype.byteSize();
            if (dtype == DType.F64) { // rare enough to narrow first: the kernel then reads F32
                MemorySegment narrowed = MemorySegment.ofArray(scratch);
                for (int i = 0; i < k; i++) narrowed.setAtIndex(FLOAT, i, (float) seg.get(DOUBLE, at + 8L * i));
                seg = narrowed;
                dtype = DType.F32;
                at = 0;
            }
            for (int t = 0; t < rows; t++) {
                out[t * n + j] = biased(dot(x, t * k, seg, dtype, at, k), bias, j);
            }
        }
    }

    /**
     * x[x0..x0+k) . (the row of k weights from byte `at` of seg): UNROLL vectors at a time, each into its
     * own accumulator, added together in a fixed order at the end, then the scalar tail.
     */
    private static float dot(float[] x, int x0, MemorySegment seg, DType dtype, long at, int k) {
        if (dtype == DType.F32) return dotF32(x, x0, seg, at, k);
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

    /** dot for F32 weights: the same sums, in a loop without the per-vector dtype switch, which one core streams faster. */
    private static float dotF32(float[] x, int x0, MemorySegment seg, long at, int k) {
        int lanes = F.length(), step = UNROLL * lanes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = k - k % step; i < bound; i += step) {
            long b = at + 4L * i;
            a0 = f32(seg, b).fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = f32(seg, b + 4L * lanes).fma(FloatVector.fromArray(F, x, x0 + i + lanes), a1);
            a2 = f32(seg, b + 8L * lanes).fma(FloatVector.fromArray(F, x, x0 + i + 2 * lanes), a2);
            a3 = f32(seg, b + 12L * lanes).fma(FloatVector.fromArray(F, x, x0 + i + 3 * lanes), a3);
        }
        for (int bound = F.loopBound(k); i < bound; i += lanes) a0 = f32(seg, at + 4L * i).fma(FloatVector.fromArray(F, x, x0 + i), a0);
        float s = LaneSum.of(a0.add(a1).add(a2.add(a3)));
        for (; i < k; i++) s += x[x0 + i] * seg.get(FLOAT, at + 4L * i);
        return s;
    }

    /**
     * out[j..j+2) (+ bias) for one token row, two F32 weight rows read side by side, each activation
     * vector loaded once for both: each row's sums are dotF32's (k has no tail here), the same bits;
     * what changes is that a core keeps two streams in flight, which reads F32 weights faster than
     * one row at a time and than four side by side.
     */
    private static void twoF32(float[] x, MemorySegment seg, long at, int k, float[] bias, float[] out, int j) {
        int lanes = F.length();
        long row = 4L * k, l1 = 4L * lanes, l2 = 2 * l1, l3 = 3 * l1;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        for (int i = 0; i < k; i += UNROLL * lanes) {
            FloatVector x0 = FloatVector.fromArray(F, x, i), x1 = FloatVector.fromArray(F, x, i + lanes);
            FloatVector x2 = FloatVector.fromArray(F, x, i + 2 * lanes), x3 = FloatVector.fromArray(F, x, i + 3 * lanes);
            long a = at + 4L * i, b = a + row;
            a0 = f32(seg, a).fma(x0, a0); a1 = f32(seg, a + l1).fma(x1, a1); a2 = f32(seg, a + l2).fma(x2, a2); a3 = f32(seg, a + l3).fma(x3, a3);
            b0 = f32(seg, b).fma(x0, b0); b1 = f32(seg, b + l1).fma(x1, b1); b2 = f32(seg, b + l2).fma(x2, b2); b3 = f32(seg, b + l3).fma(x3, b3);
        }
        out[j] = biased(LaneSum.of(a0.add(a1).add(a2.add(a3))), bias, j);
        out[j + 1] = biased(LaneSum.of(b0.add(b1).add(b2.add(b3))), bias, j + 1);
    }

    private static float biased(float s, float[] bias, int j) {
        return bias == null ? s : s + bias[j];
    }

    private static FloatVector f32(MemorySegment seg, long at) {
        return FloatVector.fromMemorySegment(F, seg, at, ByteOrder.LITTLE_ENDIAN);
    }

    /** A vector of weights from byte `at`, widened to F32. */
    private static FloatVector load(MemorySegment seg, DType dtype, long at) {
        return switch (dtype) {
            case BF16 -> Convert.bf16Vector(seg, at);
            case F16 -> Convert.f16Vector(seg, at);
            default -> FloatVector.fromMemorySegment(F, seg, at, ByteOrder.LITTLE_ENDIAN);
        };
    }

    /** One weight from byte `at`, widened to F32. */
    private static float scalar(MemorySegment seg, DType dtype, long at) {
        return switch (dtype) {
            case BF16 -> Convert.bf16ToF32(seg.get(SHORT, at));
            case F16 -> Convert.f16ToF32(seg.get(SHORT, at));
            default -> seg.get(FLOAT, at);
        };
    }
}
