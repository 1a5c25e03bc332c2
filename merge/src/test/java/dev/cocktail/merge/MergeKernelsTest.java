package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fused kernels give, bit for bit, what the kernels they fuse give in turn; reductions add in one fixed order. */
class MergeKernelsTest {

    @Test
    void keepScaledIsSubAboveMaskScale() {
        Random r = new Random(11);
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 0.25f};
        for (int n : new int[] {0, 1, 15, 16, 17, 100, 1000}) {
            float[] x = new float[n], b = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = i % 9 == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
                b[i] = i % 7 == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
            }
            for (float t : new float[] {0.25f, Math.nextDown(0.25f), 0f, -1f}) {
                float[] want = new float[n], mask = new float[n], got = new float[n];
                MergeKernels.sub(x, b, want, n);
                MergeKernels.above(want, t, mask, n);
                MergeKernels.maskScale(want, mask, 0.7f, n);
                MergeKernels.keepScaled(x, b, t, 0.7f, got, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "n " + n + ", t " + t + ", element " + i);
                }
            }
        }
    }

    /**
     * A chunk's dot product and absolute sums give the same bits on every call, before and after the
     * JIT compiles them (reduceLanes did not: its compiled and fallback forms add in different orders).
     */
    @Test
    void reductionsGiveTheSameBitsWhateverTheJitDid() {
        Random r = new Random(5);
        int n = 4099;
        float[] a = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 4));
            b[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 4));
        }
        double dot = MergeKernels.dot(a, b, n), sumAbs = MergeKernels.sumAbs(a, n);
        for (int call = 0; call < 20_000; call++) {
            assertEquals(Double.doubleToRawLongBits(dot), Double.doubleToRawLongBits(MergeKernels.dot(a, b, n)), "dot, call " + call);
            assertEquals(Double.doubleToRawLongBits(sumAbs), Double.doubleToRawLongBits(MergeKernels.sumAbs(a, n)), "sumAbs, call " + call);
        }
    }
}
