package dev.cocktail.search;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.Mix;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Weights;
import java.util.List;

/** `weights`: LM-Cocktail's mix, sum_i w_i * model_i, with the weights free on the simplex; `mix --weights` writes it. */
public record WeightsSpace(List<String> given, OpenModels models, DType dtype) implements Space {

    /** @param given the models as the user named them (for the command line) */
    static WeightsSpace open(List<String> given, DType dtype) {
        return new WeightsSpace(given, OpenModels.open(given.stream().map(ModelDir::resolve).toList()), dtype);
    }

    @Override
    public List<Dimension> dimensions() {
        return List.of();
    }

    @Override
    public List<String> weightNames() {
        return given.stream().map(m -> "w " + ModelDir.resolve(m).name()).toList();
    }

    @Override
    public MergePlan plan(Point p) {
        return Mix.plan(models, Weights.of(p.weights()), false, 0, dtype);
    }

    @Override
    public String command(Point p, String output, String recipeFile) {
        return "cocktail mix " + Point.words(given) + " --weights " + Point.join(p.weights()) + Point.dtype(dtype) + " --output " + output;
    }

    @Override
    public void close() {
        models.close();
    }
}
