package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The normal tail 0.5 erfc(|x| / sqrt 2) and the exact GELU built on it against a 120-digit Taylor series of erf. */
class ErfTest {
    static final MathContext MC = new MathContext(120); // 1 - erf(9.9) needs some 90 digits
    static final BigDecimal PI = new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459");
    static final BigDecimal TWO_OVER_SQRT_PI = BigDecimal.TWO.divide(PI.sqrt(MC), MC);

    /** erf(x) = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)), summed until the terms vanish. */
    static BigDecimal erfReference(double x) {
        BigDecimal z = new BigDecimal(x), z2 = z.multiply(z, MC), power = z, factorial = BigDecimal.ONE, sum = BigDecimal.ZERO;
        for (int n = 0; n < 1000; n++) {
            if (n > 0) {
                power = power.multiply(z2, MC).negate();
                factorial = factorial.multiply(BigDecimal.valueOf(n));
            }
            BigDecimal term = power.divide(factorial.multiply(BigDecimal.valueOf(2L * n + 1)), MC);
            sum = sum.add(term, MC);
            if (n > 10 && term.abs().compareTo(new BigDecimal("1e-80")) < 0) break;
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC);
    }

    /** Float ulps between got and the exact value (an ulp of the exact value rounded to float, or of floor if larger). */
    static double ulps(double got, BigDecimal exact, float floor) {
        float rounded = exact.floatValue();
        return exact.subtract(new BigDecimal(got), MC).abs().doubleValue() / Math.ulp(Math.max(Math.abs(rounded), floor));
    }

    @Test
    void gaussianTailKeepsRelativeAccuracyOverTheWholeRange() {
        float[] x = new float[2 * 1024];
        for (int i = 0; i < x.length; i++) x[i] = (i - 128) * (14f / (x.length - 128)); // -1.75 to 14: both regions and the flush
        x[1] = 1e-30f;
        x[2] = (float) (0.5 * Math.sqrt(2));
        x[3] = Math.nextDown(x[2]);
        x[4] = (float) (9.25 * Math.sqrt(2));
        x[5] = Math.nextUp(x[4]);
        float[] got = new float[x.length];
        for (int i = 0; i < x.length; i += Erf.F.length()) Erf.gaussianTail(FloatVector.fromArray(Erf.F, x, i)).intoArray(got, i);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            BigDecimal ref = BigDecimal.ONE.subtract(erfReference(Math.abs(x[i]) / Math.sqrt(2)), MC).multiply(new BigDecimal("0.5"));
            if (got[i] == 0) {
                assertTrue(ref.doubleValue() < Float.MIN_NORMAL, "tail flushed to zero below float's smallest normal only: " + x[i]);
                continue;
            }
            assertTrue(Math.abs(x[i]) < 13.1f, "tail past 9.25 sqrt 2 not flushed: " + x[i]);
            worst = Math.max(worst, ulps(got[i], ref, Float.MIN_NORMAL));
        }
        System.out.println("gaussianTail: worst " + worst + " ulp");
        assertTrue(worst <= 4, "gaussianTail error " + worst + " ulp");
    }

    @Test
    void geluIsTheExactErfForm() {
        float[] x = new float[2001];
        for (int i = 0; i < x.length; i++) x[i] = -14f + i * 0.0111f;
        float[] y = x.clone();
        Kernels.cpu().gelu(y, y.length); // 2001: the masked tail is used too
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            BigDecimal ref = new BigDecimal(x[i]).multiply(new BigDecimal("0.5"))
                    .multiply(BigDecimal.ONE.add(erfReference(x[i] / Math.sqrt(2)), MC), MC);
            if (ulps(y[i], ref, 1e-30f) > worst) System.out.println("gelu(" + x[i] + ") = " + y[i] + " vs " + ref.floatValue() + ": " + ulps(y[i], ref, 1e-30f));
            worst = Math.max(worst, ulps(y[i], ref, 1e-30f));
        }
        System.out.println("gelu: worst " + worst + " ulp");
        assertTrue(worst <= 5, "gelu error " + worst + " ulp");
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, -0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e30f, -1e30f};
        float[] out = special.clone();
        Kernels.cpu().gelu(out, out.length);
        assertTrue(Float.isNaN(out[0]) && out[1] == Float.POSITIVE_INFINITY && out[6] == 1e30f && out[7] == 0f,
                java.util.Arrays.toString(out));
    }
}
