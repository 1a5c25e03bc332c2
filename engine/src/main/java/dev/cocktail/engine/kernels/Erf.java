package dev.cocktail.engine.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * erf and erfc on double lanes, to about 1e-10 relative (far below float rounding), for the exact
 * GELU. Two regions, both computed and blended:
 * |z| < 1: erf(z) = 2/sqrt(pi) sum_n (-1)^n z^(2n+1) / (n! (2n+1)), its Taylor series to n = 13
 * (the next term is below 1e-12 at |z| = 1);
 * 1 <= |z| <= 6: erfc(|z|) = exp(-z^2) R(|z|) where R(a) = exp(a^2) erfc(a) is smooth, interpolated at
 * 19 Chebyshev nodes on [1, 6] from 40-digit values (mpmath) and written as a polynomial in
 * t = (2a - 7) / 5; max relative error 1.2e-10 on a dense grid.
 * Beyond |z| = 6 erfc is below 2.2e-17 and is taken as 0 (so erf as +-1).
 */
final class Erf {
    private Erf() {}

    static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    /** 2/sqrt(pi) (-1)^n / (n! (2n+1)), n = 0..13. */
    private static final double[] TAYLOR = taylor(14);

    /** R(t), lowest degree first. */
    private static final double[] TAIL = {
            0.155293655608894, -0.10330894488912175, 0.06663208259087718, -0.041766769821321284,
            0.025495551410626746, -0.015182831006344641, 0.008833567674928766, -0.005025546958330291,
            0.002802191405482622, -0.0015432121431255869, 0.000827072176083039, -0.0004069938868377342,
            0.0002126476592843896, -0.00015301305696807391, 7.482054184083169e-05, 3.966240249037534e-06,
            -7.958818631422755e-07, -2.0158635750166455e-05, 9.278783029521646e-06,
    };

    private static double[] taylor(int terms) {
        double[] c = new double[terms];
        double factorial = 1;
        for (int n = 0; n < terms; n++) {
            if (n > 0) factorial *= n;
            c[n] = (n % 2 == 0 ? 1 : -1) * 2 / Math.sqrt(Math.PI) / (factorial * (2 * n + 1));
        }
        return c;
    }

    /** erf(z) for |z| < 1 (the Taylor series). */
    private static DoubleVector small(DoubleVector z) {
        DoubleVector z2 = z.mul(z);
        DoubleVector p = DoubleVector.broadcast(D, TAYLOR[TAYLOR.length - 1]);
        for (int n = TAYLOR.length - 2; n >= 0; n--) p = p.fma(z2, DoubleVector.broadcast(D, TAYLOR[n]));
        return p.mul(z);
    }

    /** erfc(a) for a = |z| >= 1, 0 beyond 6. */
    private static DoubleVector tail(DoubleVector a) {
        DoubleVector clamped = a.max(1.0).min(6.0);
        DoubleVector t = clamped.mul(2.0 / 5).sub(7.0 / 5);
        DoubleVector r = DoubleVector.broadcast(D, TAIL[TAIL.length - 1]);
        for (int n = TAIL.length - 2; n >= 0; n--) r = r.fma(t, DoubleVector.broadcast(D, TAIL[n]));
        DoubleVector e = clamped.mul(clamped).neg().lanewise(VectorOperators.EXP).mul(r);
        return e.blend(0.0, a.compare(VectorOperators.GT, 6.0));
    }

    static DoubleVector erf(DoubleVector z) {
        DoubleVector a = z.abs();
        DoubleVector far = DoubleVector.broadcast(D, 1.0).sub(tail(a));
        far = far.blend(far.neg(), z.compare(VectorOperators.LT, 0.0));
        return far.blend(small(z), a.compare(VectorOperators.LT, 1.0));
    }

    static DoubleVector erfc(DoubleVector z) {
        DoubleVector a = z.abs();
        DoubleVector t = tail(a);
        DoubleVector far = t.blend(DoubleVector.broadcast(D, 2.0).sub(t), z.compare(VectorOperators.LT, 0.0));
        VectorMask<Double> near = a.compare(VectorOperators.LT, 1.0);
        return far.blend(DoubleVector.broadcast(D, 1.0).sub(small(z)), near);
    }
}
