package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in one fixed order: halves added, then quarters, and so on down to
 * lane 0. FloatVector.reduceLanes(ADD) leaves the order open, and takes two: the JIT's instruction
 * adds pairwise, its plain-Java fallback (which runs until C2 has compiled the caller) adds lane by
 * lane. A sum that depended on when C2 finished compiling would make the same scoring give
 * different losses run to run; rearranging lanes and adding them is exact in both paths.
 */
public final class LaneSum {
    private LaneSum() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** SHIFTS[i] brings lane j + F.length() / 2^(i+1) down to lane j. */
    private static final VectorShuffle<Float>[] SHIFTS = shifts();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shifts() {
        VectorShuffle<Float>[] s = new VectorShuffle[Integer.numberOfTrailingZeros(F.length())];
        for (int i = 0; i < s.length; i++) s[i] = VectorShuffle.iota(F, F.length() >> (i + 1), 1, true);
        return s;
    }

    /** Lane sums of preferred-species vectors, the same bits on every code path. */
    public static float of(FloatVector v) {
        for (VectorShuffle<Float> shift : SHIFTS) v = v.add(v.rearrange(shift));
        return v.lane(0);
    }
}
