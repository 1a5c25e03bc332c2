package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.Mix;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.models.Scoring;
import java.util.ArrayList;
import java.util.List;

/**
 * `cocktail`, LM-Cocktail's two-step recipe: weights = softmax(-loss / T) of each model's loss (its
 * losses on the data files combined by the data weights, computed once), then
 * alpha * finetuned + (1 - alpha) * cocktail. T and alpha are searched; `mix --weights ... --finetuned
 * FT --alpha A` writes it.
 *
 * @param losses each model's combined loss
 */
public record CocktailSpace(List<String> given, String finetuned, double[] losses, OpenModels models, DType dtype,
                            List<String> notes) implements Space {

    static final double T_MIN = 0.1, T_MAX = 10;

    /** @param finetuned the fine-tuned model of the two-step recipe, or null for the second model */
    static CocktailSpace open(List<String> given, String finetuned, Objective objective, DType dtype) {
        if (given.size() < 2) throw CocktailException.about("the space", "the space cocktail needs at least two models.");
        String tuned = finetuned != null ? finetuned : given.get(1);
        List<ModelDir> dirs = given.stream().map(ModelDir::resolve).toList();
        double[][] perFile = new double[objective.data().size()][];
        for (int f = 0; f < perFile.length; f++) perFile[f] = Scoring.score(dirs, objective.data().get(f), objective.scoring(), Progress.NONE).losses();
        double[] losses = new double[dirs.size()];
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            double[] mine = new double[perFile.length];
            for (int f = 0; f < perFile.length; f++) mine[f] = perFile[f][i];
            losses[i] = objective.combine(mine);
            notes.add("loss of " + dirs.get(i).name() + ": " + Point.format(losses[i]));
        }
        List<ModelDir> inputs = new ArrayList<>(dirs);
        inputs.add(ModelDir.resolve(tuned));
        return new CocktailSpace(given, tuned, losses, OpenModels.open(inputs), dtype, List.copyOf(notes));
    }

    @Override
    public List<Dimension> dimensions() {
        return List.of(new Dimension("temperature", T_MIN, T_MAX), new Dimension("alpha", 0, 1));
    }

    @Override
    public List<String> weightNames() {
        return List.of();
    }

    /** The mix's weights at a point's temperature, as `mix --data` computes them. */
    float[] weights(Point p) {
        return Scoring.weights(losses, p.values()[0]);
    }

    @Override
    public MergePlan plan(Point p) {
        return Mix.plan(models, weights(p), true, p.values()[1], dtype);
    }

    @Override
    public String command(Point p, String output, String recipeFile) {
        float[] w = weights(p);
        double[] exact = new double[w.length];
        for (int i = 0; i < w.length; i++) exact[i] = w[i];
        return "cocktail mix " + Point.words(given) + " --weights " + Point.join(exact) + " --finetuned " + Point.quoted(finetuned)
                + " --alpha " + p.values()[1] + Point.dtype(dtype) + " --output " + output;
    }

    @Override
    public void close() {
        models.close();
    }
}
