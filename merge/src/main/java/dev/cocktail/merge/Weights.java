package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;

/** The checks every weighted merge makes of its weights: one per model, summing to 1. */
public final class Weights {
    private Weights() {}

    /** The words of a remedy that allows weights whose sum is not 1. */
    static final String ALLOW = "allow unnormalized weights";

    /**
     * Checks the weights (F32, the precision of the merge) and returns them.
     * @param remedy what the sum message suggests, after "not 1", or ""
     */
    static float[] checked(float[] weights, int models, boolean allowUnnormalized, String remedy) {
        if (weights.length != models) {
            throw new CocktailException("got " + weights.length + " weights for " + models + " models; give one weight per model.");
        }
        double sum = 0;
        for (int i = 0; i < weights.length; i++) sum += finite(weights[i], weights[i], i);
        if (!allowUnnormalized && Math.abs(sum - 1) > 1e-3) {
            String message = "the weights sum to " + sum + ", not 1" + remedy + ".";
            throw remedy.contains(ALLOW) ? CocktailException.about(ALLOW, message) : new CocktailException(message);
        }
        return weights;
    }

    /** Weights given as decimals (a command line), rounded to F32; each must be a finite F32 number. */
    public static float[] of(double[] weights) {
        float[] f = new float[weights.length];
        for (int i = 0; i < f.length; i++) f[i] = finite((float) weights[i], weights[i], i);
        return f;
    }

    /** NaN would pass the sum check, and a decimal such as 1e39 is infinite in F32. */
    private static float finite(float w, Object given, int i) {
        if (!Float.isFinite(w)) throw new CocktailException("weight " + (i + 1) + " is " + given + ", not a finite float32 number.");
        return w;
    }
}
