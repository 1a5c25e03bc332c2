package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.Extrapolation;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.OpenModels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * `exme`, Extrapolation Merging (arXiv 2503.04834): each fine-tuned model extrapolated from the base
 * by its own alpha (ExPO), then the extrapolated models summed by weights on the simplex;
 * `extrapolate --alpha A1,A2 --weights W1,W2` writes it.
 *
 * @param base  the base as the user named it
 * @param tuned the fine-tuned models kept, as named
 * @param models the base, then the kept models, open
 */
public record ExmeSpace(String base, List<String> tuned, OpenModels models, DType dtype, List<String> notes) implements Space {

    /** Alphas range over [0, ALPHA_MAX]: ExPO's own sweeps stay below it. */
    static final double ALPHA_MAX = 1.0;

    /**
     * Keeps the `select` best fine-tuned models by the objective (0: all), then opens them.
     * @param models the base, then the fine-tuned models
     */
    static ExmeSpace open(List<String> models, int select, Objective objective, DType dtype) {
        if (models.size() < 2) throw CocktailException.about("the space", "the space exme needs the base model and at least one fine-tuned model.");
        List<String> tuned = models.subList(1, models.size());
        if (select < 0 || select > tuned.size()) {
            throw CocktailException.about("the selection", "the selection " + select + " is not between 1 and the " + tuned.size() + " fine-tuned models.");
        }
        List<String> notes = new ArrayList<>();
        if (select > 0 && select < tuned.size()) {
            double[] objectives = new double[tuned.size()];
            for (int i = 0; i < objectives.length; i++) {
                ModelDir dir = ModelDir.resolve(tuned.get(i));
                objectives[i] = objective.combine(objective.figures(dir));
                notes.add("selection: " + dir.name() + " objective " + Point.format(objectives[i]));
            }
            List<Integer> kept = IntStream.range(0, tuned.size()).boxed()
                    .sorted(Comparator.comparingDouble(i -> objective.cost(objectives[i]))).limit(select).sorted().toList();
            tuned = kept.stream().map(tuned::get).toList();
            notes.add("--select " + select + " keeps " + String.join(", ", tuned.stream().map(m -> ModelDir.resolve(m).name()).toList()));
        }
        List<ModelDir> dirs = new ArrayList<>();
        dirs.add(ModelDir.resolve(models.getFirst()));
        for (String t : tuned) dirs.add(ModelDir.resolve(t));
        return new ExmeSpace(models.getFirst(), List.copyOf(tuned), OpenModels.open(dirs), dtype, List.copyOf(notes));
    }

    @Override
    public List<Dimension> dimensions() {
        return tuned.stream().map(m -> new Dimension("alpha " + ModelDir.resolve(m).name(), 0, ALPHA_MAX)).toList();
    }

    /** None for a single fine-tuned model, whose weight is 1. */
    @Override
    public List<String> weightNames() {
        return tuned.size() == 1 ? List.of() : tuned.stream().map(m -> "w " + ModelDir.resolve(m).name()).toList();
    }

    private static double[] weights(Point p) {
        return p.weights().length == 0 ? new double[] {1} : p.weights();
    }

    @Override
    public MergePlan plan(Point p) {
        return Extrapolation.plan(models, p.values(), weights(p), dtype);
    }

    @Override
    public String command(Point p, String output, String recipeFile) {
        return "cocktail extrapolate --base " + Point.quoted(base) + " " + Point.words(tuned) + " --alpha " + Point.join(p.values())
                + " --weights " + Point.join(weights(p)) + Point.dtype(dtype) + " --output " + output;
    }

    @Override
    public void close() {
        models.close();
    }
}
