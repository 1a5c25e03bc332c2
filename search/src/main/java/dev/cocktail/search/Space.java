package dev.cocktail.search;

import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.Output;
import java.util.List;

/**
 * A set of candidate merges over models opened once: bounded dimensions, and optionally weights on
 * a simplex (non-negative, summing to 1). Each point gives a merge plan, and the command line or
 * recipe that writes the same merge through `mix`, `extrapolate` or `merge`.
 */
public sealed interface Space extends AutoCloseable permits ExmeSpace, CocktailSpace, WeightsSpace, RecipeSpace {

    /** The models the space merges, open once for every candidate. */
    dev.cocktail.merge.OpenModels models();

    /** The bounded dimensions, in the order of Point.values. */
    List<Dimension> dimensions();

    /** Names of the simplex weights, in the order of Point.weights; empty when the space has none. */
    List<String> weightNames();

    /** The merge of a point, never written by the search itself. */
    MergePlan plan(Point p);

    /**
     * The cocktail command that writes the same merge as plan(p) to `output`.
     * @param recipeFile where recipe(p) is written, for the spaces that have one
     */
    String command(Point p, String output, String recipeFile);

    /** The mergekit YAML of a point, or null for the spaces that `mix` and `extrapolate` write. */
    default String recipe(Point p) {
        return null;
    }

    /** Lines the report adds: which models a selection kept, the input models' losses. */
    default List<String> notes() {
        return List.of();
    }

    /** All parameter names, dimensions then weights: the table's columns. */
    default List<String> parameterNames() {
        return java.util.stream.Stream.concat(dimensions().stream().map(Dimension::name), weightNames().stream()).toList();
    }

    /** How many numbers a point has; 0 is an empty space. */
    default int size() {
        return dimensions().size() + (weightNames().size() > 1 ? weightNames().size() : 0);
    }

    /** A point from u in [0, 1]^n: each dimension scaled to its bounds, the rest normalised to sum to 1 (equal if all 0). */
    default Point decode(double[] u) {
        List<Dimension> d = dimensions();
        double[] values = new double[d.size()];
        for (int i = 0; i < values.length; i++) values[i] = d.get(i).at(u[i]);
        int k = weightNames().size();
        double[] w = new double[k];
        if (k == 1) w[0] = 1;
        else if (k > 1) {
            double sum = 0;
            for (int i = 0; i < k; i++) sum += w[i] = Math.clamp(u[values.length + i], 0, 1);
            for (int i = 0; i < k; i++) w[i] = sum > 0 ? w[i] / sum : 1.0 / k;
        }
        return new Point(values, w);
    }

    /** Writes the point's merge through the ordinary path, with its card naming the file that reproduces it. */
    default void write(Point p, Output output, String reproducedBy, String version) {
        plan(p).withSetting("found by cocktail search; " + reproducedBy).write(output, dev.cocktail.engine.Progress.NONE, version);
    }

    @Override
    void close();
}
