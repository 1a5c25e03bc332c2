package dev.cocktail.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of one query row over the cached keys and values of its sequence, as decoding needs it.
 * The cache is stored transposed, [kvHeads * headDim x stride] with positions along a row, so that
 * one query's scores over every position are FMAs across positions (a broadcast of the query's
 * dimension d times a vector of dimension d of CHUNK positions), and each output dimension is one
 * dot product of the probabilities with that dimension's row: neither needs a horizontal sum per key.
 * Rows are padded to whole chunks; positions outside the query's window get probability 0.
 */
final class CachedAttention {
    private CachedAttention() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Positions per pass: four vectors, four independent FMA chains. */
    static final int CHUNK = 4 * F.length();

    /** Floats between the rows of a cache for `capacity` positions: whole chunks. */
    static int stride(int capacity) {
        return (capacity + CHUNK - 1) / CHUNK * CHUNK;
    }

    /**
     * The query heads of kv head g for query row r, at position `position` (its own key and value
     * already cached): out row r's heads = softmax(scale * q . keys, softcapped when the shape says)
     * . values over the positions its window sees. scores holds at least `stride` floats.
     */
    static void group(float[] q, float[] out, int r, int g, float[] keys, float[] values, int stride, int position,
                      AttentionShape s, float[] scores) {
        int hd = s.headDim(), to = position + 1, from = s.window() > 0 ? Math.max(0, to - s.window()) : 0;
        int lo = from / CHUNK * CHUNK, hi = (to + CHUNK - 1) / CHUNK * CHUNK, lanes = F.length();
        int perKv = s.heads() / s.kvHeads(), qo0 = r * s.heads() * hd;
        for (int h = g * perKv; h < (g + 1) * perKv; h++) {
            int qo = qo0 + h * hd;
            for (int c = lo; c < hi; c += CHUNK) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int d = 0; d < hd; d++) {
                    FloatVector qd = FloatVector.broadcast(F, q[qo + d]);
                    int k = (g * hd + d) * stride + c;
                    a0 = qd.fma(FloatVector.fromArray(F, keys, k), a0);
                    a1 = qd.fma(FloatVector.fromArray(F, keys, k + lanes), a1);
                    a2 = qd.fma(FloatVector.fromArray(F, keys, k + 2 * lanes), a2);
                    a3 = qd.fma(FloatVector.fromArray(F, keys, k + 3 * lanes), a3);
                }
                a0.intoArray(scores, c);
                a1.intoArray(scores, c + lanes);
                a2.intoArray(scores, c + 2 * lanes);
                a3.intoArray(scores, c + 3 * lanes);
            }
            java.util.Arrays.fill(scores, lo, from, 0f);
            java.util.Arrays.fill(scores, to, hi, 0f);
            Activations.probabilities(scores, from, to, s.scale(), s.softcap());
            for (int d = 0; d < hd; d++) out[qo + d] = dot(scores, lo, values, (g * hd + d) * stride + lo, hi - lo);
        }
    }

    /** a[ao..ao+n) . b[bo..bo+n) for n a multiple of CHUNK, in four chains. */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int lanes = F.length();
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < n; i += CHUNK) {
            s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
            s1 = FloatVector.fromArray(F, a, ao + i + lanes).fma(FloatVector.fromArray(F, b, bo + i + lanes), s1);
            s2 = FloatVector.fromArray(F, a, ao + i + 2 * lanes).fma(FloatVector.fromArray(F, b, bo + i + 2 * lanes), s2);
            s3 = FloatVector.fromArray(F, a, ao + i + 3 * lanes).fma(FloatVector.fromArray(F, b, bo + i + 3 * lanes), s3);
        }
        return LaneSum.of(s0.add(s1).add(s2.add(s3)));
    }
}
