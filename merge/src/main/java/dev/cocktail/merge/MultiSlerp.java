package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;

/**
 * mergekit's multislerp: barycentric interpolation on the hypersphere. Each input (its task vector
 * when there is a base) is flattened and divided by its norm plus eps; the weighted mean of those
 * directions is normalized, the inputs are projected onto its tangent space, averaged there and
 * mapped back, and the result is scaled by the weighted mean of the norms.
 *
 * The weighted mean of the tangent projections is m - (m . m/|m|) m/|m| = 0 whatever the inputs
 * (m being the weighted mean of the directions), so the exponential map returns m/|m| cos(eps): the
 * result is a combination of the inputs whose coefficients follow from their Gram matrix. One pass
 * gathers it and a second forms the result; mergekit's float32 evaluation of the vanishing tangent
 * is rounding noise of the size of its own float32 error.
 */
final class MultiSlerp {
    private MultiSlerp() {}

    /**
     * @param weights one per input other than the base, in input order
     * @param base whether input 0 is the base, whose task vectors are interpolated
     */
    static TensorMerge of(double[] weights, boolean normalize, double eps, boolean base) {
        int k = weights.length, first = base ? 1 : 0;
        return job -> {
            if (k == 1) return c -> System.arraycopy(c.in[first], 0, c.out, 0, c.n);
            double[] g = job.reduce(k * k, (c, acc) -> {
                Slerp.deltas(c, base);
                for (int i = 0; i < k; i++) for (int j = i; j < k; j++) {
                    acc[i * k + j] += MergeKernels.dot(c.in[first + i], c.in[first + j], c.n);
                }
            });
            float[] a = coefficients(g, weights, normalize, eps, job.name());
            return c -> {
                Slerp.deltas(c, base);
                MergeKernels.scale(c.in[first], a[0], c.out, c.n);
                for (int i = 1; i < k; i++) MergeKernels.addScaled(c.out, a[i], c.in[first + i], c.n);
                if (base) MergeKernels.add(c.out, c.in[0], c.n);
            };
        };
    }

    /** The result's coefficient on each input, from their Gram matrix g (upper triangle, k x k). */
    static float[] coefficients(double[] g, double[] weights, boolean normalize, double eps, String tensor) {
        int k = weights.length;
        double[] w = weights.clone();
        if (normalize) {
            double sum = 0;
            for (double x : w) sum += x;
            for (int i = 0; i < k; i++) w[i] /= sum;
        }
        double[] norm = new double[k], unit = new double[k];
        double meanNorm = 0;
        for (int i = 0; i < k; i++) {
            norm[i] = Math.sqrt(g[i * k + i]);
            unit[i] = w[i] / (norm[i] + eps); // the coefficient of input i in the mean direction m
            meanNorm += norm[i] * w[i];
        }
        double mm = 0;
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) mm += unit[i] * unit[j] * g[Math.min(i, j) * k + Math.max(i, j)];
        double m = Math.sqrt(mm);
        float[] a = new float[k];
        if (m < eps) {
            if (k != 2) {
                throw new CocktailException("multislerp: the weighted mean of the directions of tensor '" + tensor
                        + "' is zero (opposite inputs whose weights cancel); choose other weights.");
            }
            for (int i = 0; i < k; i++) a[i] = (float) w[i]; // mergekit falls back to linear interpolation
            return a;
        }
        double scale = Math.cos(eps) * meanNorm / m;
        for (int i = 0; i < k; i++) a[i] = (float) (unit[i] * scale);
        return a;
    }
}
