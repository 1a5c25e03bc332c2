package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp on float lanes from adds, multiplies and bit operations alone, so that every code path gives
 * the same bits. The Vector API's EXP does not: the JIT's C2 calls a vector math library, its
 * plain-Java fallback (which runs until C2 has compiled the caller) calls Math.exp lane by lane,
 * and the two round differently now and then, so a score depended on when C2 was done. Inline, it
 * also spares the JIT spilling every live vector around a call.
 */
final class Exp {
    private Exp() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Constants, not expressions: the JIT does not fold Math.log, and would call it on every vector. */
    private static final float LOG2_E = (float) (1 / Math.log(2));
    /** k = round(y log2 e) for y down to -2^22, by the add-and-subtract rounding of floats. */
    private static final float ROUNDER = 0x1.8p23f;
    /** ln 2 split in two (Cody and Waite): k LN2_HI is exact for the k that occur, so y - k ln 2 is accurate. */
    private static final float LN2_HI = 0x1.62e4p-1f, LN2_LO = 0x1.7f7d1cp-20f;
    /** 1/k!, k = 2..7: exp's Taylor series on [-ln 2 / 2, ln 2 / 2] (next term below 6e-9). */
    private static final float[] EXP = {1f / 2, 1f / 6, 1f / 24, 1f / 120, 1f / 720, 1f / 5040};
    /**
     * Below LOW exp is 0 here (2^k must stay a normal float; what is lost is below 3e-38, nothing
     * next to the 1 that softmax and SiLU add it to); above HIGH, ln of the largest float, infinity.
     */
    private static final float LOW = -86.5f, HIGH = 88.72284f;

    /** exp(y) within a few ulps for y >= LOW, 0 below, infinity above HIGH, NaN for NaN. */
    static FloatVector of(FloatVector y) {
        FloatVector e = times(FloatVector.broadcast(F, 1f), y.max(LOW).min(HIGH), FloatVector.zero(F));
        return e.blend(0f, y.compare(VectorOperators.LT, LOW)).blend(Float.POSITIVE_INFINITY, y.compare(VectorOperators.GT, HIGH));
    }

    /**
     * exp(y) - 1 for y <= 0 within a few ulps: above -ln 2 / 2 from the Taylor series itself (y + y^2 / 2 + ...),
     * where exp(y) - 1 would lose the digits of a small result to cancellation.
     */
    static FloatVector expm1(FloatVector y) {
        FloatVector q = FloatVector.broadcast(F, EXP[EXP.length - 1]);
        for (int i = EXP.length - 2; i >= 0; i--) q = q.fma(y, FloatVector.broadcast(F, EXP[i]));
        FloatVector series = q.fma(y.mul(y), y);
        return series.blend(of(y).sub(1f), y.compare(VectorOperators.LT, -LN2_HI / 2));
    }

    /**
     * m exp(y + dy) for y in [LOW, HIGH] and dy within an ulp of y (outside that range, garbage):
     * exp(y + dy) = 2^k (1 + s), s = exp(r) - 1 and r = y - k ln 2 + dy, where dy keeps its digits;
     * then m + m s in one rounding, doubled (exact), and 2^(k-1) put straight into the exponent
     * bits, which hold 2^-125 to 2^127 where 2^k alone would overflow at the top.
     */
    static FloatVector times(FloatVector m, FloatVector y, FloatVector dy) {
        FloatVector shifted = y.fma(LOG2_E, ROUNDER), k = shifted.sub(ROUNDER);
        FloatVector r = k.mul(-LN2_HI).add(y).add(k.mul(-LN2_LO).add(dy));
        FloatVector q = FloatVector.broadcast(F, EXP[EXP.length - 1]);
        for (int i = EXP.length - 2; i >= 0; i--) q = q.fma(r, FloatVector.broadcast(F, EXP[i]));
        FloatVector s = q.fma(r.mul(r), r);
        FloatVector half = shifted.reinterpretAsInts().add(126 - Float.floatToRawIntBits(ROUNDER))
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return m.fma(s, m).mul(2f).mul(half);
    }
}
