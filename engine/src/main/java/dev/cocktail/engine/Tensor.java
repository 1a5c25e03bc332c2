package dev.cocktail.engine;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor whose bytes live in a (usually memory-mapped, read-only) segment,
 * little-endian, row-major, unaligned.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    public long elementCount() {
        return elementCount(shape);
    }

    public long byteSize() {
        return data.byteSize();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of dimension i, checked to fit an int (every dimension of a real model does). */
    public int dim(int i) {
        return Math.toIntExact(shape[i]);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    public TensorSpec spec() {
        return new TensorSpec(name, dtype, shape);
    }

    /** Widens elements [from, from + n) to F32 into dst[dstPos..]. */
    public void toF32(long from, float[] dst, int dstPos, int n) {
        Convert.toF32(dtype, data, from * dtype.byteSize(), dst, dstPos, n);
    }

    /** The product of the dimensions; ArithmeticException when it overflows a long. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
