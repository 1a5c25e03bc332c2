package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import jdk.incubator.vector.DoubleVector;
import org.junit.jupiter.api.Test;

/** erf and erfc against a 60-digit Taylor series, and the GELU built on them. */
class ErfTest {
    static final MathContext MC = new MathContext(60);
    static final BigDecimal PI = new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459");
    static final BigDecimal TWO_OVER_SQRT_PI = BigDecimal.TWO.divide(PI.sqrt(MC), MC);

    /** erf(x) = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)), summed until the terms vanish at 60 digits. */
    static BigDecimal erfReference(double x) {
        BigDecimal z = new BigDecimal(x), z2 = z.multiply(z, MC), power = z, factorial = BigDecimal.ONE, sum = BigDecimal.ZERO;
        for (int n = 0; n < 400; n++) {
            if (n > 0) {
                power = power.multiply(z2, MC).negate();
                factorial = factorial.multiply(BigDecimal.valueOf(n));
            }
            BigDecimal term = power.divide(factorial.multiply(BigDecimal.valueOf(2L * n + 1)), MC);
            sum = sum.add(term, MC);
            if (n > 10 && term.abs().compareTo(new BigDecimal("1e-45")) < 0) break;
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC);
    }

    static double[] evaluate(boolean complement, double[] xs) {
        double[] out = new double[xs.length];
        int lanes = Erf.D.length();
        for (int i = 0; i < xs.length; i += lanes) {
            DoubleVector v = DoubleVector.fromArray(Erf.D, xs, i);
            (complement ? Erf.erfc(v) : Erf.erf(v)).intoArray(out, i);
        }
        return out;
    }

    static double[] grid() {
        double[] xs = new double[2 * 1440 + 8];
        for (int i = 0; i < xs.length; i++) xs[i] = -7.2 + i * 0.005 + 1e-4; // through 0 and both regions
        xs[0] = 1e-30;
        xs[1] = -3e-9;
        xs[2] = 1.0;
        xs[3] = -1.0;
        xs[4] = 6.0;
        xs[5] = 0.999999999;
        return xs;
    }

    @Test
    void erfIsAccurateToFloatPrecisionAndBeyond() {
        double[] xs = grid(), got = evaluate(false, xs);
        double worst = 0, worstFloat = 0;
        for (int i = 0; i < xs.length; i++) {
            BigDecimal ref = erfReference(xs[i]);
            double rel = ref.subtract(new BigDecimal(got[i]), MC).abs().divide(ref.abs(), MC).doubleValue();
            double relFloat = ref.subtract(new BigDecimal((float) got[i]), MC).abs().divide(ref.abs(), MC).doubleValue();
            worst = Math.max(worst, rel);
            worstFloat = Math.max(worstFloat, relFloat);
        }
        assertTrue(worst < 1e-9, "erf relative error " + worst);
        assertTrue(worstFloat < 1e-7, "erf rounded to float, relative error " + worstFloat);
    }

    @Test
    void erfcKeepsRelativeAccuracyInTheTail() {
        double[] xs = grid(), got = evaluate(true, xs);
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            BigDecimal ref = BigDecimal.ONE.subtract(erfReference(xs[i]), MC);
            if (xs[i] > 6) {
                assertTrue(got[i] == 0 && ref.doubleValue() < 2.2e-17, "erfc flushed to zero past 6 only: " + xs[i]);
                continue;
            }
            worst = Math.max(worst, ref.subtract(new BigDecimal(got[i]), MC).abs().divide(ref, MC).doubleValue());
        }
        assertTrue(worst < 1e-9, "erfc relative error " + worst);
    }

    @Test
    void geluIsTheExactErfForm() {
        float[] x = new float[1001];
        for (int i = 0; i < x.length; i++) x[i] = -10f + i * 0.02f;
        float[] y = x.clone();
        Kernels.cpu().gelu(y, y.length); // 1001: the masked tail is used too
        for (int i = 0; i < x.length; i++) {
            BigDecimal ref = new BigDecimal(x[i]).multiply(new BigDecimal("0.5"))
                    .multiply(BigDecimal.ONE.add(erfReference(x[i] / Math.sqrt(2)), MC), MC);
            double err = Math.abs(ref.doubleValue() - y[i]);
            assertTrue(err <= Math.ulp(Math.max(Math.abs(y[i]), Float.MIN_NORMAL)) + 1e-12, "gelu(" + x[i] + ") = " + y[i] + " vs " + ref);
        }
    }
}
