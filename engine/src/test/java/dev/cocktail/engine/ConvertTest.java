package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every one of the 65536 16-bit patterns, through the vector loops, against scalar references
 * that share no code with them (the JDK's Float.float16ToFloat/floatToFloat16 for F16, the
 * definition of BF16 as the top half of an F32 for widening, and exact rounding of midpoints).
 */
class ConvertTest {
    static final int N = 65536;

    static MemorySegment allPatterns(Arena arena) {
        MemorySegment seg = arena.allocate(2L * N + 2); // +2: an odd byte offset tests unaligned access
        for (int i = 0; i < N; i++) seg.set(Convert.SHORT, 2 + 2L * i, (short) i);
        return seg;
    }

    @Test
    void bf16WideningIsExactForEveryPattern() {
        try (Arena arena = Arena.ofConfined()) {
            float[] out = new float[N];
            Convert.toF32(DType.BF16, allPatterns(arena), 2, out, 0, N);
            for (int i = 0; i < N; i++) {
                assertEquals(i << 16, Float.floatToRawIntBits(out[i]), "pattern " + Integer.toHexString(i));
            }
        }
    }

    @Test
    void f16WideningMatchesTheJdkForEveryPattern() {
        try (Arena arena = Arena.ofConfined()) {
            float[] out = new float[N];
            Convert.toF32(DType.F16, allPatterns(arena), 2, out, 0, N);
            for (int i = 0; i < N; i++) {
                float expected = Float.float16ToFloat((short) i);
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(out[i]), "NaN pattern " + Integer.toHexString(i));
                    assertEquals(i & 0x8000, (Float.floatToRawIntBits(out[i]) >>> 16) & 0x8000, "NaN sign");
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[i]),
                            "pattern " + Integer.toHexString(i));
                }
            }
        }
    }

    /** Round trips, exact midpoints (ties go to the even neighbour) and one ulp either side of them. */
    @Test
    void bf16NarrowingRoundsToNearestEven() {
        float[] in = new float[N * 4];
        short[] want = new short[N * 4];
        for (int b = 0; b < N; b++) {
            int bits = b << 16;
            in[4 * b] = Float.intBitsToFloat(bits);
            want[4 * b] = (short) b;
            int next = (b + 1) & 0xFFFF;
            int mid = bits + 0x8000;
            boolean finiteSpan = !Float.isNaN(Float.intBitsToFloat(bits)) && !Float.isInfinite(Float.intBitsToFloat(bits));
            in[4 * b + 1] = Float.intBitsToFloat(mid);
            in[4 * b + 2] = Float.intBitsToFloat(mid - 1);
            in[4 * b + 3] = Float.intBitsToFloat(mid + 1);
            want[4 * b + 1] = (short) ((b & 1) == 0 ? b : next);
            want[4 * b + 2] = (short) b;
            want[4 * b + 3] = (short) next;
            if (!finiteSpan) { // inputs inside NaN space: only NaN-ness is checked below
                want[4 * b + 1] = want[4 * b + 2] = want[4 * b + 3] = (short) b;
            }
        }
        short[] got = narrow(in, DType.BF16);
        for (int k = 0; k < in.length; k++) {
            if (Float.isNaN(in[k])) {
                assertTrue(Float.isNaN(Convert.bf16ToF32(got[k])), "NaN stays NaN: " + Integer.toHexString(Float.floatToRawIntBits(in[k])));
                assertEquals(Float.floatToRawIntBits(in[k]) >>> 31, (got[k] >>> 15) & 1, "NaN sign");
            } else {
                assertEquals(want[k], got[k], "input bits " + Integer.toHexString(Float.floatToRawIntBits(in[k])));
            }
        }
    }

    @Test
    void f16NarrowingMatchesTheJdkOnEveryPatternAndEveryMidpoint() {
        float[] in = new float[N * 4 + 20000];
        int k = 0;
        for (int h = 0; h < N; h++) {
            float f = Float.float16ToFloat((short) h);
            in[k++] = f;
            float next = Float.float16ToFloat((short) (h + 1));
            float mid = (float) (((double) f + next) / 2); // exact: a midpoint of halves fits in a float
            in[k++] = mid;
            in[k++] = Math.nextDown(mid);
            in[k++] = Math.nextUp(mid);
        }
        Random r = new Random(1);
        while (k < in.length) in[k++] = Float.intBitsToFloat(r.nextInt());
        short[] got = narrow(in, DType.F16);
        for (int i = 0; i < in.length; i++) {
            short want = Float.floatToFloat16(in[i]);
            if (Float.isNaN(in[i])) {
                assertTrue(Float.isNaN(Float.float16ToFloat(got[i])), "NaN stays NaN");
                assertEquals(want & 0x8000, got[i] & 0x8000, "NaN sign");
            } else {
                assertEquals(want, got[i], "input " + in[i] + " bits " + Integer.toHexString(Float.floatToRawIntBits(in[i])));
            }
        }
    }

    @Test
    void scalarTailsAgreeWithVectorLoops() {
        Random r = new Random(7);
        for (int n = 0; n < 70; n++) {
            float[] in = new float[n];
            for (int i = 0; i < n; i++) in[i] = (float) r.nextGaussian() * 1000;
            for (DType d : new DType[] {DType.BF16, DType.F16}) {
                short[] got = narrow(in, d);
                for (int i = 0; i < n; i++) {
                    short want = d == DType.BF16 ? Convert.f32ToBf16(in[i]) : Convert.f32ToF16(in[i]);
                    assertEquals(want, got[i], d + " n=" + n + " i=" + i);
                }
            }
        }
    }

    static short[] narrow(float[] in, DType d) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * in.length + 2);
            Convert.fromF32(in, 0, in.length, d, seg, 2);
            short[] out = new short[in.length];
            for (int i = 0; i < in.length; i++) out[i] = seg.get(Convert.SHORT, 2 + 2L * i);
            return out;
        }
    }
}
