package dev.cocktail.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * A named tensor whose bytes live in a (usually memory-mapped, read-only) segment,
 * little-endian, row-major, unaligned. A tensor of a file also knows where its bytes start in the
 * file (file is null otherwise), so that a pass that streams it once can read it instead of
 * touching the mapping: on Linux, mapping page-cache pages into the process costs more than
 * copying them out with pread (bench/RESULTS.md), and they must then be unmapped again to keep
 * memory bounded.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, FileChannel file, long position) {

    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, null, 0);
    }

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

    /**
     * Copies the bytes of elements [from, from + n) into dst from its start: with pread from the
     * file when there is one, else from the segment.
     */
    public void read(long from, long n, MemorySegment dst) {
        long size = dtype.byteSize(), bytes = n * size;
        if (file == null) {
            MemorySegment.copy(data, from * size, dst, 0, bytes);
            return;
        }
        ByteBuffer buf = dst.asSlice(0, bytes).asByteBuffer();
        try {
            while (buf.hasRemaining()) {
                if (file.read(buf, position + from * size + buf.position()) < 0) {
                    throw new IOException("the file ends inside tensor '" + name + "'");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The product of the dimensions; ArithmeticException when it overflows a long. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
