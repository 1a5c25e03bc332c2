package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;

/** Cross-entropy from logits, numerically stable: the max is subtracted and sums run in double. */
public final class Losses {
    private Losses() {}

    /** -log softmax(logits[offset .. offset + vocab))[target]. */
    public static double crossEntropy(float[] logits, int offset, int vocab, int target) {
        if (target < 0 || target >= vocab) throw new IllegalArgumentException("target " + target + " outside 0.." + (vocab - 1));
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        return max + Math.log(sum) - logits[offset + target];
    }

    /**
     * The loss of one example, checked: a model whose weights hold NaN or infinity (or overflow on
     * the example) gives a loss that is not a number, and every weight computed from it with it.
     *
     * @param example the example's number in the data file, from 1
     */
    static double finite(double loss, int example) {
        if (!Double.isFinite(loss)) {
            throw new CocktailException("example " + example + " gives a loss of " + loss
                    + ": the model's weights hold NaN or infinity, or its activations overflow on that example.");
        }
        return loss;
    }

    /** Mean cross-entropy of ids[1..n-1] given logits [n x vocab] where row t predicts position t + 1. */
    public static double nextTokenLoss(float[] logits, int[] ids, int vocab) {
        if (ids.length < 2) throw new IllegalArgumentException("a next-token loss needs at least 2 ids");
        double sum = 0;
        for (int t = 0; t + 1 < ids.length; t++) sum += crossEntropy(logits, t * vocab, vocab, ids[t + 1]);
        return sum / (ids.length - 1);
    }
}
