package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.models.Evaluation;
import dev.cocktail.models.Scoring;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a search optimises: a figure per data file (the LM-Cocktail loss, as `score` gives it, or the
 * greedy exact-match accuracy, as `eval --generate` gives it), combined by the data weights into one
 * objective: the weighted mean.
 *
 * @param dataWeights one per data file, non-negative, not all 0
 * @param scoring     how losses are computed (batches, lengths, negatives); its temperature is unused
 * @param maxNewTokens tokens generated per input at most, for accuracy
 * @param parallel    examples decoded together, for accuracy
 */
public record Objective(Metric metric, List<Path> data, double[] dataWeights, Scoring.Options scoring, int maxNewTokens,
                        int parallel) {

    public enum Metric {
        LOSS, ACCURACY;

        public static Metric parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "loss" -> LOSS;
                case "accuracy" -> ACCURACY;
                default -> throw CocktailException.about("the metric", "the metric '" + s + "' is neither loss nor accuracy.");
            };
        }
    }

    public Objective {
        if (data.isEmpty()) throw CocktailException.about("data file", "search needs at least one data file.");
        if (dataWeights == null) {
            dataWeights = new double[data.size()];
            java.util.Arrays.fill(dataWeights, 1);
        }
        if (dataWeights.length != data.size()) {
            throw CocktailException.about("data weights", "got " + dataWeights.length + " data weights for " + data.size() + " data files; give one per file.");
        }
        double sum = 0;
        for (double w : dataWeights) {
            if (!(w >= 0) || Double.isInfinite(w)) throw CocktailException.about("the data weight", "the data weight " + w + " is not a finite number of at least 0.");
            sum += w;
        }
        if (sum == 0) throw CocktailException.about("the data weights", "the data weights are all 0; give at least one file a positive weight.");
        if (maxNewTokens < 1) throw CocktailException.about("the number of new tokens", "the number of new tokens must be at least 1, not " + maxNewTokens + ".");
        if (parallel < 1) throw CocktailException.about("the number of parallel sequences", "the number of parallel sequences must be at least 1, not " + parallel + ".");
    }

    /** Refuses a metric the first model's family cannot give: accuracy needs generation (decoders, T5). */
    void check(ModelDir first) {
        Scoring.Type type = scoring.type() != null ? scoring.type() : Scoring.typeOf(first);
        if (metric == Metric.ACCURACY && type != Scoring.Type.DECODER && type != Scoring.Type.ENCODER_DECODER) {
            throw CocktailException.about("the metric", "the metric accuracy needs models that generate text (decoders, T5), and "
                    + first.name() + " is scored as " + type.name().toLowerCase(Locale.ROOT).replace('_', '-') + "; use the loss metric.");
        }
    }

    /** The model's figure on each data file, in their order. */
    public double[] figures(ModelDir model) {
        double[] f = new double[data.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = metric == Metric.LOSS
                    ? Scoring.score(List.of(model), data.get(i), scoring, Progress.NONE).losses()[0]
                    : Evaluation.run(model, data.get(i), scoring.batchSize(), scoring.maxLength(), maxNewTokens, true, parallel,
                    Progress.NONE).accuracy().orElseThrow();
        }
        return f;
    }

    /** The weighted mean of the figures, summed in file order. */
    public double combine(double[] figures) {
        double sum = 0, weights = 0;
        for (int i = 0; i < figures.length; i++) {
            sum += dataWeights[i] * figures[i];
            weights += dataWeights[i];
        }
        return sum / weights;
    }

    /** The objective as a cost, lower better: the loss, or minus the accuracy. */
    double cost(double objective) {
        return metric == Metric.LOSS ? objective : -objective;
    }
}
