package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding in Hugging Face's rotate_half layout: within the first `rotary`
 * dimensions of a head, dimension j pairs with j + rotary/2 and the pair turns by the angle of
 * frequency j at the row's position: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin); the dimensions
 * past `rotary` (Phi-3's partial rotary factor) pass through.
 */
final class Rope {
    private Rope() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Rows [from, to); row r is at position r % seqLen; cos and sin are [seqLen x rotary/2]. */
    static void apply(float[] x, int from, int to, int seqLen, int heads, int headDim, int rotary, float[] cos, float[] sin) {
        int half = rotary / 2;
        for (int r = from; r < to; r++) {
            int c = (r % seqLen) * half;
            for (int h = 0; h < heads; h++) {
                int lo = (r * heads + h) * headDim, hi = lo + half;
                int j = 0;
                for (int bound = F.loopBound(half); j < bound; j += F.length()) {
                    FloatVector x1 = FloatVector.fromArray(F, x, lo + j), x2 = FloatVector.fromArray(F, x, hi + j);
                    FloatVector cv = FloatVector.fromArray(F, cos, c + j), sv = FloatVector.fromArray(F, sin, c + j);
                    x1.mul(cv).sub(x2.mul(sv)).intoArray(x, lo + j);
                    x2.mul(cv).add(x1.mul(sv)).intoArray(x, hi + j);
                }
                for (; j < half; j++) {
                    float x1 = x[lo + j], x2 = x[hi + j];
                    x[lo + j] = x1 * cos[c + j] - x2 * sin[c + j];
                    x[hi + j] = x2 * cos[c + j] + x1 * sin[c + j];
                }
            }
        }
    }
}
