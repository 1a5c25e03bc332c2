package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector exp against Math.exp in double, and the fixed order of LaneSum. */
class ExpTest {
    static final int L = Exp.F.length();

    static float[] exp(float[] y) {
        float[] got = new float[y.length];
        for (int i = 0; i < y.length; i += L) Exp.of(FloatVector.fromArray(Exp.F, y, i)).intoArray(got, i);
        return got;
    }

    @Test
    void withinThreeUlpsOverTheWholeNormalRange() {
        float[] y = new float[64 * 1024];
        for (int i = 0; i < y.length; i++) y[i] = -86.5f + i * (175.2f / y.length);
        float[] got = exp(y);
        double worst = 0;
        for (int i = 0; i < y.length; i++) {
            double exact = Math.exp(y[i]);
            worst = Math.max(worst, Math.abs(got[i] - exact) / Math.ulp((float) exact));
        }
        assertTrue(worst <= 3, "worst error " + worst + " ulps");
    }

    @Test
    void edges() {
        float[] y = new float[Math.max(L, 8)];
        float[] in = {Float.NEGATIVE_INFINITY, -1000f, -86.6f, 0f, 88.72f, 88.73f, Float.POSITIVE_INFINITY, Float.NaN};
        System.arraycopy(in, 0, y, 0, in.length);
        float[] got = new float[y.length];
        for (int i = 0; i < y.length; i += L) Exp.of(FloatVector.fromArray(Exp.F, y, i)).intoArray(got, i);
        assertEquals(0f, got[0]);
        assertEquals(0f, got[1]);
        assertEquals(0f, got[2]);
        assertEquals(1f, got[3]);
        assertTrue(Float.isFinite(got[4]) && Math.abs(got[4] - Math.exp(88.72f)) <= 3 * Math.ulp(got[4]), "exp(88.72) = " + got[4]);
        assertEquals(Float.POSITIVE_INFINITY, got[5]);
        assertEquals(Float.POSITIVE_INFINITY, got[6]);
        assertTrue(Float.isNaN(got[7]));
    }

    @Test
    void laneSumAddsHalvesThenQuartersDownToLaneZero() {
        float[] x = new float[L];
        for (int i = 0; i < L; i++) x[i] = (float) Math.scalb(1.0 + i / 7.0, (i * 11) % 40 - 20); // sums that depend on their order
        float[] tree = x.clone();
        for (int half = L / 2; half > 0; half /= 2) {
            for (int j = 0; j < half; j++) tree[j] += tree[j + half];
        }
        assertEquals(Float.floatToIntBits(tree[0]), Float.floatToIntBits(LaneSum.of(FloatVector.fromArray(LaneSum.F, x, 0))));
    }
}
