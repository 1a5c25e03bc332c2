package dev.cocktail.models;

import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * T5's attention core: softmax(q k^T + bias) v per head, with no 1/sqrt(d_kv) scaling (T5 folds it
 * into the initialization of q). Keys at or past a sequence's key length get weight exactly 0 (the
 * encoder's padding), and with causal, keys after the query too. Queries and keys may differ in
 * number (cross-attention), so this is not the engine's self-attention kernel.
 *
 * @param queries    query rows per sequence: row (b * queries + i), at position past + i
 * @param keyRows    key and value rows per sequence: row (b * keyRows + j)
 * @param keyLengths keys a query of sequence b may see at most
 * @param bias       RelativePositionBias.values(past, queries, keyRows), or null (cross-attention)
 */
record T5Attention(int batch, int queries, int keyRows, int[] keyLengths, int heads, int dKv, int past,
                   boolean causal, float[] bias) {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** out [batch * queries x heads * dKv] from q (same layout), k and v [batch * keyRows x heads * dKv]. */
    void apply(float[] q, float[] k, float[] v, float[] out) {
        // each (sequence, head) writes its own columns of out: the result does not depend on the threads
        IntStream.range(0, batch * heads).parallel().forEach(task -> head(q, k, v, out, task / heads, task % heads));
    }

    private void head(float[] q, float[] k, float[] v, float[] out, int b, int h) {
        int inner = heads * dKv, offset = past + queries - 1, span = offset + keyRows;
        float[] p = new float[keyRows];
        for (int i = 0; i < queries; i++) {
            int pos = past + i, end = causal ? Math.min(pos + 1, keyLengths[b]) : keyLengths[b];
            int qo = (b * queries + i) * inner + h * dKv;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < end; j++) {
                float s = dot(q, qo, k, (b * keyRows + j) * inner + h * dKv, dKv);
                if (bias != null) s += bias[h * span + j - pos + offset];
                p[j] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int j = 0; j < end; j++) sum += p[j] = (float) Math.exp(p[j] - max);
            float inv = (float) (1 / sum);
            java.util.Arrays.fill(out, qo, qo + dKv, 0f);
            for (int j = 0; j < end; j++) axpy(p[j] * inv, v, (b * keyRows + j) * inner + h * dKv, out, qo, dKv);
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y += alpha x. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
