package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;

/**
 * The sum of a vector's lanes in lane order. reduceLanes(ADD) leaves the order open, and the JIT's
 * order differs from the interpreter's: the same input gave other bits once a loop was compiled,
 * so outputs depended on timing. Used wherever lanes of partial sums are added up.
 */
final class Lanes {
    private Lanes() {}

    static float sum(FloatVector v) {
        float s = 0;
        for (int lane = 0; lane < v.length(); lane++) s += v.lane(lane);
        return s;
    }
}
