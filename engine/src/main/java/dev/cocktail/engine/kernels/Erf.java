package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The standard normal's tail 0.5 erfc(|x| / sqrt 2) on float lanes, with a relative error of a few
 * float ulps over the whole range, for the exact GELU (whose negative half is x times it, and must
 * not lose its tail to the cancellation of 1 + erf). With a = |x| / sqrt 2, two regions, both
 * computed and blended:
 * a < 0.5: erfc(a) = 1 - a P(a^2), P the Taylor series of erf / a to n = 7 (next term below 5e-10);
 * a >= 0.5: erfc(a) = exp(-a^2) R(a), R(a) = exp(a^2) erfc(a) smooth, fitted (relative least squares
 * on 40-digit values, mpmath) as a degree-9 polynomial in u, an affine map of t = 1 / (1 + a/2) on
 * a in [0.5, 9.25] (relative error 9e-10 in exact arithmetic).
 * Beyond a = 9.25 the tail is below float's smallest normal and is 0.
 */
final class Erf {
    private Erf() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** 2/sqrt(pi) (-1)^n / (n! (2n+1)), n = 0..7. */
    private static final float[] TAYLOR = {
            1.128379167e+00f, -3.761263890e-01f, 1.128379167e-01f, -2.686617065e-02f,
            5.223977625e-03f, -8.548327023e-04f, 1.205533298e-04f, -1.492565036e-05f,
    };

    /** R as a polynomial in u = t * 45/14 - 11/7 (t in [1/5.625, 0.8] maps onto [-1, 1]), lowest degree first. */
    private static final float[] TAIL = {
            2.460211292e-01f, 2.591943313e-01f, 9.152658384e-02f, 1.893769051e-02f, 6.751461991e-04f,
            -6.409844166e-04f, -5.818870999e-05f, 3.466517505e-05f, 2.058969912e-06f, -2.088234185e-06f,
    };

    private static final float SPLIT = 0.5f, LAST = 9.25f;
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);

    /**
     * 0.5 erfc(|x| / sqrt 2), the standard normal's tail beyond |x| (NaN stays NaN). exp(-a^2) is
     * taken from x^2 / 2, split exactly, rather than from the rounded a: a's rounding alone would cost
     * 2 a^2 relative ulps in the far tail. Both regions are computed for every lane and the wrong one
     * dropped by the blends, so neither clamps its input: what a lane outside a region computes there
     * (even an infinity or a NaN) is never used.
     */
    static FloatVector gaussianTail(FloatVector x) {
        FloatVector ax = x.abs(), a = ax.mul(SQRT_HALF), a2 = a.mul(a);
        FloatVector p = FloatVector.broadcast(F, TAYLOR[TAYLOR.length - 1]);
        for (int n = TAYLOR.length - 2; n >= 0; n--) p = p.fma(a2, FloatVector.broadcast(F, TAYLOR[n]));
        FloatVector near = a.neg().fma(p, FloatVector.broadcast(F, 1f));

        FloatVector t = FloatVector.broadcast(F, 1f).div(a.fma(0.5f, 1f));
        FloatVector u = t.fma(45f / 14, -11f / 7);
        FloatVector r = FloatVector.broadcast(F, TAIL[TAIL.length - 1]);
        for (int n = TAIL.length - 2; n >= 0; n--) r = r.fma(u, FloatVector.broadcast(F, TAIL[n]));
        FloatVector hi = ax.mul(ax), lo = ax.fma(ax, hi.neg()); // x^2 = hi + lo exactly
        FloatVector far = Exp.times(r, hi.mul(-0.5f), lo.mul(-0.5f)).blend(0f, a.compare(VectorOperators.GT, LAST));
        return far.blend(near, a.compare(VectorOperators.LT, SPLIT)).mul(0.5f);
    }
}
