package dev.cocktail.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact conversions between the floating dtypes and F32: F16/BF16 widen exactly,
 * F32 narrows to F16/BF16 rounding to nearest even, NaN stays NaN.
 * Whole buffers go through the Vector API with a scalar tail.
 */
public final class Convert {
    private Convert() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as F has floats. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ---- scalar forms (the reference the vector loops must agree with) ----

    public static float bf16ToF32(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40); // keep sign and payload top, force quiet
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float f16ToF32(short h) {
        return Float.float16ToFloat(h);
    }

    public static short f32ToF16(float f) {
        return Float.floatToFloat16(f);
    }

    // ---- whole buffers ----

    /** Widens n elements of `dtype` at byte offset `offset` of src into dst[dstPos..]. */
    public static void toF32(DType dtype, MemorySegment src, long offset, float[] dst, int dstPos, int n) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, FLOAT, offset, dst, dstPos, n);
            case BF16 -> bf16ToF32(src, offset, dst, dstPos, n);
            case F16 -> f16ToF32(src, offset, dst, dstPos, n);
            case F64 -> {
                for (int i = 0; i < n; i++) dst[dstPos + i] = (float) src.get(DOUBLE, offset + 8L * i);
            }
            default -> throw new CocktailException("no float arithmetic on dtype " + dtype);
        }
    }

    /** Narrows src[srcPos..srcPos+n) to `dtype` at byte offset `offset` of dst. */
    public static void fromF32(float[] src, int srcPos, int n, DType dtype, MemorySegment dst, long offset) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, srcPos, dst, FLOAT, offset, n);
            case BF16 -> f32ToBf16(src, srcPos, n, dst, offset);
            case F16 -> f32ToF16(src, srcPos, n, dst, offset);
            case F64 -> {
                for (int i = 0; i < n; i++) dst.set(DOUBLE, offset + 8L * i, src[srcPos + i]);
            }
            default -> throw new CocktailException("no float arithmetic on dtype " + dtype);
        }
    }

    /** BF16 is the top half of an F32: shift each 16-bit pattern up. */
    static void bf16ToF32(MemorySegment src, long offset, float[] dst, int dstPos, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) bf16Vector(src, offset + 2L * i).intoArray(dst, dstPos + i);
        for (; i < n; i++) dst[dstPos + i] = bf16ToF32(src.get(SHORT, offset + 2L * i));
    }

    /** F16 widened a whole vector at a time (see f16Vector). */
    static void f16ToF32(MemorySegment src, long offset, float[] dst, int dstPos, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) f16Vector(src, offset + 2L * i).intoArray(dst, dstPos + i);
        for (; i < n; i++) dst[dstPos + i] = f16ToF32(src.get(SHORT, offset + 2L * i));
    }

    /** The BF16 values at byte offset `offset`, as many as FloatVector.SPECIES_PREFERRED has lanes, widened. */
    public static FloatVector bf16Vector(MemorySegment src, long offset) {
        IntVector wide = (IntVector) ShortVector.fromMemorySegment(S, src, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * The F16 values at byte offset `offset`, widened by rebiasing: move exponent+mantissa up by 13 bits
     * and multiply by 2^112, which is exact for normals and subnormals alike; Inf/NaN get the all-ones exponent.
     */
    public static FloatVector f16Vector(MemorySegment src, long offset) {
        final float rebias = Float.intBitsToFloat(0x77800000); // 2^112
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, src, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector scaled = magnitude.reinterpretAsFloats().mul(rebias).reinterpretAsInts();
        VectorMask<Integer> infNan = magnitude.compare(VectorOperators.GE, 0x0F800000);
        IntVector special = magnitude.or(0x7F800000);
        return scaled.blend(special, infNan).or(sign).reinterpretAsFloats();
    }

    /** Round to nearest even on the dropped 16 bits; NaN keeps its top bits and is forced quiet. */
    static void f32ToBf16(float[] src, int srcPos, int n, MemorySegment dst, long offset) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector f = FloatVector.fromArray(F, src, srcPos + i);
            IntVector bits = f.reinterpretAsInts();
            IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector rounded = bits.add(0x7FFF).add(lsb).lanewise(VectorOperators.LSHR, 16);
            IntVector nan = bits.lanewise(VectorOperators.LSHR, 16).or(0x40);
            IntVector out = rounded.blend(nan, f.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) out.convertShape(VectorOperators.I2S, S, 0))
                    .intoMemorySegment(dst, offset + 2L * i, ByteOrder.LITTLE_ENDIAN);
        }
        for (; i < n; i++) dst.set(SHORT, offset + 2L * i, f32ToBf16(src[srcPos + i]));
    }

    /**
     * F32 to F16, round to nearest even. Results in the F16 subnormal range come from adding 0.5f,
     * which lets the FPU round the 10 low mantissa bits; normals are rebiased and rounded in integer
     * arithmetic; overflow saturates to Inf; NaN stays NaN.
     */
    static void f32ToF16(float[] src, int srcPos, int n, MemorySegment dst, long offset) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector f = FloatVector.fromArray(F, src, srcPos + i);
            IntVector bits = f.reinterpretAsInts();
            IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
            IntVector abs = bits.and(0x7FFFFFFF);
            // subnormal or zero result: |f| < 2^-14
            IntVector small = abs.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3F000000);
            // normal result
            IntVector odd = abs.lanewise(VectorOperators.LSHR, 13).and(1);
            IntVector normal = abs.add(((15 - 127) << 23) + 0xFFF).add(odd).lanewise(VectorOperators.LSHR, 13);
            IntVector out = normal.blend(small, abs.compare(VectorOperators.LT, 113 << 23));
            out = out.blend(0x7C00, abs.compare(VectorOperators.GE, (127 + 16) << 23));
            IntVector nan = abs.lanewise(VectorOperators.LSHR, 13).and(0x3FF).or(0x7E00);
            out = out.blend(nan, abs.compare(VectorOperators.GT, 0x7F800000)).or(sign);
            ((ShortVector) out.convertShape(VectorOperators.I2S, S, 0))
                    .intoMemorySegment(dst, offset + 2L * i, ByteOrder.LITTLE_ENDIAN);
        }
        for (; i < n; i++) dst.set(SHORT, offset + 2L * i, f32ToF16(src[srcPos + i]));
    }
}
