package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;

/**
 * The weighted sum that LM-Cocktail, ExPO and mergekit's linear share; mergekit's linear: sum_i w_i x_i, divided by sum_i w_i when normalizing (the default); and
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
            sum(c.in, w, c.out, c.n);
            if (normalize) MergeKernels.divide(c.out, divisor, c.out, c.n);
        };
    }

    /**
     * The weighted sum of in[0], in[1], ... in that order, in F32, as LM-Cocktail accumulates it:
     * acc = w0 * x0; acc = acc + w_i * x_i.
     */
    static void sum(float[][] in, float[] w, float[] acc, int n) {
        MergeKernels.scale(in[0], w[0], acc, n);
        for (int i = 1; i < w.length; i++) MergeKernels.addScaled(acc, w[i], in[i], n);
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
