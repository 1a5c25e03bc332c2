package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;

/** The checks every weighted merge makes of its weights: one per model, summing to 1. */
final class Weights {
    private Weights() {}

    /**
     * The weights as F32, the precision of the merge, after checking them.
     * @param remedy what the sum message suggests, after "not 1", or ""
     */
    static float[] checked(double[] weights, int models, boolean allowUnnormalized, String remedy) {
        if (weights.length != models) {
            throw new CocktailException("got " + weights.length + " weights for " + models + " models; give one weight per model.");
        }
        // each one a number in F32 first: NaN passed the sum check below, and 1e39 is infinite in F32
        float[] f = new float[weights.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) weights[i];
            if (!Float.isFinite(f[i])) throw new CocktailException("weight " + (i + 1) + " is " + weights[i] + ", not a finite float32 number.");
        }
        double sum = 0;
        for (double w : weights) sum += w;
        if (!allowUnnormalized && Math.abs(sum - 1) > 1e-3) throw new CocktailException("the weights sum to " + sum + ", not 1" + remedy + ".");
        return f;
    }
}
