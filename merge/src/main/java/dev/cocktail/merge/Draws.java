package dev.cocktail.merge;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The draws of {@code new SplittableRandom(seed).nextDouble()}, made in bulk with vectors. That
 * generator is a counter: its i-th draw (from 0) is mix64(seed + (i + 1) * GOLDEN) >>> 11, times
 * 2^-53, so lanes compute consecutive draws side by side. Comparisons with a probability are made
 * on the 53-bit integer, exactly: u 2^-53 < p exactly when u < p 2^53, both exact in a double.
 * A keep mask drawn here is the one SplittableRandom's calls draw, bit for bit (DrawsTest).
 */
final class Draws {
    private Draws() {}

    private static final long GOLDEN = 0x9e3779b97f4a7c15L;
    private static final double TWO_53 = 0x1p53;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, L.vectorShape());
    /** Floats as many as L has lanes, for the masks. */
    private static final VectorSpecies<Float> FL = VectorSpecies.of(float.class, VectorShape.forBitSize(L.vectorBitSize() / 2));

    /** The i-th draw of new SplittableRandom(seed).nextDouble(), as the integer it is 2^-53 times. */
    static long draw(long seed, long i) {
        long z = seed + (i + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return (z ^ (z >>> 31)) >>> 11;
    }

    /** The draws [i, i + lanes) as vector lanes. */
    private static LongVector draws(LongVector offsets, long seed, long i) {
        LongVector z = offsets.add(seed + (i + 1) * GOLDEN);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xbf58476d1ce4e5b9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94d049bb133111ebL);
        return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 11);
    }

    /** lane j holds j * GOLDEN, the lanes' steps from the first draw of a vector. */
    private static LongVector offsets() {
        long[] o = new long[L.length()];
        for (int j = 0; j < o.length; j++) o[j] = j * GOLDEN;
        return LongVector.fromArray(L, o, 0);
    }

    /** mask[i] = 1 where draw i is below p, else 0, for i in [0, n): SplittableRandom's nextDouble() < p. */
    static void below(long seed, double p, float[] mask, int n) {
        long t = (long) Math.ceil(p * TWO_53); // u < p 2^53 exactly when u < ceil(p 2^53), u an integer
        LongVector offsets = offsets();
        FloatVector one = FloatVector.broadcast(FL, 1f), zero = FloatVector.zero(FL);
        int i = 0;
        for (int bound = L.loopBound(n); i < bound; i += L.length()) {
            VectorMask<Long> keep = draws(offsets, seed, i).compare(VectorOperators.LT, t);
            zero.blend(one, keep.cast(FL)).intoArray(mask, i);
        }
        for (; i < n; i++) mask[i] = draw(seed, i) < t ? 1f : 0f;
    }

    /**
     * mask[i] = 1 where draw i is below p[i], else 0, for i in [0, n) (mask may be p): each element's
     * own probability, as SplittableRandom's nextDouble() < p[i] in turn.
     */
    static void belowEach(long seed, float[] p, float[] mask, int n) {
        LongVector offsets = offsets();
        FloatVector one = FloatVector.broadcast(FL, 1f), zero = FloatVector.zero(FL);
        int i = 0;
        for (int bound = L.loopBound(n); i < bound; i += L.length()) {
            DoubleVector u = (DoubleVector) draws(offsets, seed, i).convertShape(VectorOperators.L2D, D, 0);
            DoubleVector limit = (DoubleVector) FloatVector.fromArray(FL, p, i).convertShape(VectorOperators.F2D, D, 0);
            VectorMask<Double> keep = u.compare(VectorOperators.LT, limit.mul(TWO_53));
            zero.blend(one, keep.cast(FL)).intoArray(mask, i);
        }
        for (; i < n; i++) mask[i] = draw(seed, i) < p[i] * TWO_53 ? 1f : 0f;
    }
}
