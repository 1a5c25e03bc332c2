package dev.cocktail.search;

import dev.cocktail.merge.MergePlan;

/**
 * Scores one candidate merge on the search's data files. A figure is a function of the candidate and
 * the data alone: nothing shared between calls changes it, so candidates can be scored in any order,
 * by several evaluators, or on other machines.
 */
public interface CandidateEvaluator extends AutoCloseable {

    /** One figure per data file, in the data files' order: the LM-Cocktail loss, or the accuracy. */
    double[] evaluate(MergePlan candidate);

    @Override
    void close();
}
