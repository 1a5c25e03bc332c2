package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;

/**
 * mergekit's linear: sum_i w_i x_i, divided by sum_i w_i when normalizing (the default); and
 * passthrough, which copies its single input, times `scale` when one is given.
 */
final class LinearMerge {
    private LinearMerge() {}

    static TensorMerge linear(double[] weights, boolean normalize) {
        float[] w = new float[weights.length];
        float sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) weights[i];
            sum += w[i];
        }
        if (normalize && !Float.isFinite(1f / sum)) {
            throw new CocktailException("linear: the weights sum to " + sum + ", which normalize divides by; change them or set normalize: false.");
        }
        float divisor = sum;
        return job -> c -> {
            MergeKernels.scale(c.in[0], w[0], c.out, c.n);
            for (int i = 1; i < w.length; i++) MergeKernels.addScaled(c.out, w[i], c.in[i], c.n);
            if (normalize) MergeKernels.scale(c.out, 1f / divisor, c.out, c.n);
        };
    }

    static TensorMerge passthrough(Double scale) {
        if (scale == null) return TensorMerge.COPY;
        float s = scale.floatValue();
        return job -> c -> MergeKernels.scale(c.in[0], s, c.out, c.n);
    }

    /** NearSwap (input 0 the base): each entry moves to the other model's where they are within t of each other. */
    static TensorMerge nearswap(double t) {
        float ft = (float) t;
        return job -> c -> MergeKernels.nearswap(c.in[0], c.in[1], ft, c.out, c.n);
    }
}
