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
 * weights. GROUP weight rows at a time are read straight from their bytes (BF16 and F16 widened in
 * registers), each into its own accumulator, so that GROUP streams of memory run at once; while the
 * group (a few KB to tens of KB) sits in L1 or L2, every token row passes over it, so the weights
 * come from memory once per call whatever the number of tokens.
 * Each output is one token row's lane-wise sum in K order, reduced at the end, then the bias added:
 * its bits depend neither on how many token rows came along nor on which worker took its weights,
 * which is what lets sequences decoded together get the bits each would get alone.
 */
final class MatVec {
    private MatVec() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Weight rows read together: four independent FMA chains and four streams of memory. */
    static final int GROUP = 4;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes of scratch a call needs: only F64 weights, which are narrowed to F32 a group at a time first. */
    static int scratchBytes(Tensor w) {
        return w.dtype() == DType.F64 ? GROUP * w.dim(1) * Float.BYTES : 0;
    }

    /** out[t, n0..n1) (+ bias) for every t < rows. */
    static void rows(float[] x, int rows, Tensor w, int n0, int n1, float[] bias, float[] out, byte[] scratch) {
        int n = w.dim(0), k = w.dim(1);
        for (int j = n0; j < n1; j += GROUP) {
            int valid = Math.min(GROUP, n1 - j);
            MemorySegment seg = w.data();
            DType dtype = w.dtype();
            long at = (long) j * k * dtype.byteSize();
            if (dtype == DType.F64) { // rare enough to narrow first: the kernel then reads F32
                MemorySegment narrowed = MemorySegment.ofArray(scratch);
                for (long i = 0; i < (long) valid * k; i++) narrowed.setAtIndex(FLOAT, i, (float) seg.get(DOUBLE, at + 8 * i));
                seg = narrowed;
                dtype = DType.F32;
                at = 0;
            }
            for (int t = 0; t < rows; t++) group(x, t * k, seg, dtype, at, k, valid, bias, j, out, t * n + j);
        }
    }

    /**
     * out[o + r] = x[x0..x0+k) . (row r of the `valid` rows of k elements from byte `at` of seg) (+ bias[j + r]);
     * the rows past `valid` repeat the last one and are not stored.
     */
    private static void group(float[] x, int x0, MemorySegment seg, DType dtype, long at, int k, int valid,
                              float[] bias, int j, float[] out, int o) {
        long row = (long) k * dtype.byteSize(), size = dtype.byteSize();
        long w0 = at, w1 = at + Math.min(1, valid - 1) * row, w2 = at + Math.min(2, valid - 1) * row;
        long w3 = at + Math.min(3, valid - 1) * row;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = F.loopBound(k); i < bound; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            long b = i * size;
            a0 = load(seg, dtype, w0 + b).fma(xv, a0);
            a1 = load(seg, dtype, w1 + b).fma(xv, a1);
            a2 = load(seg, dtype, w2 + b).fma(xv, a2);
            a3 = load(seg, dtype, w3 + b).fma(xv, a3);
        }
        float s0 = LaneSum.of(a0), s1 = LaneSum.of(a1);
        float s2 = LaneSum.of(a2), s3 = LaneSum.of(a3);
        for (; i < k; i++) {
            float xi = x[x0 + i];
            long b = i * size;
            s0 += xi * scalar(seg, dtype, w0 + b);
            s1 += xi * scalar(seg, dtype, w1 + b);
            s2 += xi * scalar(seg, dtype, w2 + b);
            s3 += xi * scalar(seg, dtype, w3 + b);
        }
        out[o] = bias == null ? s0 : s0 + bias[j];
        if (valid > 1) out[o + 1] = bias == null ? s1 : s1 + bias[j + 1];
        if (valid > 2) out[o + 2] = bias == null ? s2 : s2 + bias[j + 2];
        if (valid > 3) out[o + 3] = bias == null ? s3 : s3 + bias[j + 3];
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
