package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Scoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * `cocktail search`: opens the models once, walks a space with a strategy, scores every candidate
 * with an evaluator, and returns the table, best first. Writing the best is a separate step (best()).
 */
public final class Search {
    private Search() {}

    /**
     * @param models    the models as the user named them: for exme the base then the fine-tuned ones
     * @param space     exme, cocktail, weights, or a recipe file (.yml, .yaml)
     * @param select    exme: keep the best `select` fine-tuned models first (0: all)
     * @param finetuned cocktail: the two-step recipe's fine-tuned model (null: the second model)
     * @param dtype     the merge's dtype, or null for the inputs'
     */
    public record Request(List<String> models, String space, Strategy strategy, int budget, long seed, int select,
                          String finetuned, DType dtype, Objective objective) {}

    /** One scored candidate; `index` counts from 1 in the order they were scored. */
    public record Row(int index, Point point, double[] figures, double objective) {}

    /** What a search found: every candidate, best first, and how to write the best. */
    public record Result(Request request, List<String> parameters, List<Row> rows, List<String> notes) {
        public Row best() {
            return rows.getFirst();
        }
    }

    /** Called after each candidate with how many are done, how many at most, and the best so far. */
    public interface Listener {
        void scored(int done, int total, Row best);
    }

    /** Refuses bad requests before anything is opened or scored. */
    static void check(Request r) {
        boolean recipe = r.space().endsWith(".yml") || r.space().endsWith(".yaml");
        if (r.models().isEmpty() && !recipe) throw CocktailException.about("the space", "the space " + r.space() + " needs the models to merge.");
        if (!r.models().isEmpty() && recipe) throw new CocktailException("a recipe names its own models; give no models besides it.");
        if (r.budget() < 1) throw CocktailException.about("the budget", "the budget must be at least 1, not " + r.budget() + ".");
        for (Path d : r.objective().data()) {
            if (d.toString().equals("-")) throw CocktailException.about("the data", "the data - (standard input) cannot be read again for every candidate; give a file.");
            if (!Files.isRegularFile(d)) throw new CocktailException(d + ": no such data file.");
        }
        if (!recipe) r.objective().check(ModelDir.resolve(r.models().getFirst()));
    }

    /** Opens the request's space (the caller closes it). */
    public static Space open(Request r) {
        check(r);
        String s = r.space();
        Space space = switch (s) {
            case "exme" -> ExmeSpace.open(r.models(), r.select(), r.objective(), r.dtype());
            case "cocktail" -> CocktailSpace.open(r.models(), r.finetuned(), r.objective(), r.dtype());
            case "weights" -> WeightsSpace.open(r.models(), r.dtype());
            default -> {
                if (!s.endsWith(".yml") && !s.endsWith(".yaml")) {
                    throw CocktailException.about("the space", "the space '" + s + "' is none of exme, cocktail, weights, or a mergekit recipe file (.yml).");
                }
                yield RecipeSpace.open(Path.of(s));
            }
        };
        if (space.size() == 0) {
            space.close();
            throw CocktailException.about("the space", "the space " + s + " has nothing to search"
                    + (space instanceof RecipeSpace ? ": give at least one parameter as a range, such as weight: [0.1, 0.9]." : " with these models."));
        }
        try {
            if (r.select() > 0 && !(space instanceof ExmeSpace)) throw CocktailException.about("the selection", "the selection applies to the exme space only.");
            r.objective().check(space.models().dir(0));
            candidates(r, space); // a grid larger than the budget is refused here
        } catch (RuntimeException e) {
            space.close();
            throw e;
        }
        return space;
    }

    /** How many candidates the search scores at most. */
    public static int candidates(Request r, Space space) {
        return r.strategy().candidates(space, r.budget());
    }

    /** Scores every candidate of the strategy on the evaluator. */
    public static Result run(Request r, Space space, CandidateEvaluator evaluator, Listener listener) {
        Objective o = r.objective();
        int total = candidates(r, space);
        List<Row> rows = new ArrayList<>();
        Comparator<Row> best = Comparator.comparingDouble((Row x) -> o.cost(x.objective())).thenComparingInt(Row::index);
        Row[] bestSoFar = {null};
        r.strategy().run(space, r.budget(), r.seed(), p -> {
            double[] figures = evaluator.evaluate(space.plan(p));
            Row row = new Row(rows.size() + 1, p, figures, o.combine(figures));
            rows.add(row);
            if (bestSoFar[0] == null || best.compare(row, bestSoFar[0]) < 0) bestSoFar[0] = row;
            listener.scored(rows.size(), total, bestSoFar[0]);
            return o.cost(row.objective());
        });
        return new Result(r, space.parameterNames(), rows.stream().sorted(best).toList(), space.notes());
    }

    /**
     * Writes the best candidate through the ordinary merge path, and beside it the file that
     * reproduces it: `recipe.yml` (a mergekit recipe) or `reproduce.sh` (the cocktail command).
     */
    public static void writeBest(Result result, Space space, Output output, String version) {
        Point p = result.best().point();
        String recipe = space.recipe(p);
        String file = recipe != null ? "recipe.yml" : "reproduce.sh";
        space.write(p, output, "the same merge is written by `" + file + "` in this directory", version);
        String recipePath = output.dir().resolve("recipe.yml").toString();
        String text = recipe != null ? recipe
                : "#!/bin/sh\n# the best candidate of cocktail search (" + space.getClass().getSimpleName().replace("Space", "").toLowerCase(java.util.Locale.ROOT)
                + " space): this command writes the same weights\n" + space.command(p, Point.quoted(output.dir().toString()), recipePath) + "\n";
        try {
            Files.writeString(output.dir().resolve(file), text);
        } catch (java.io.IOException e) {
            throw new CocktailException(output.dir().resolve(file) + ": cannot be written (" + CocktailException.reason(e) + ").", e);
        }
    }

    /** The command that writes the best candidate, for the report. */
    public static String command(Result result, Space space, String output) {
        return space.command(result.best().point(), Point.quoted(output), Path.of(output).resolve("recipe.yml").toString());
    }

    /**
     * Picks the evaluator, the one place that decides: losses of decoders and encoders layer by layer
     * without writing the candidate; accuracy through a written candidate (greedy decoding needs the
     * whole model at each step); other families' losses through a written candidate too.
     */
    public static CandidateEvaluator evaluator(Objective o, Space space) {
        Scoring.Options s = o.scoring();
        Scoring.Type type = s.type() != null ? s.type() : Scoring.typeOf(space.models().dir(0));
        if (o.metric() == Objective.Metric.ACCURACY) {
            return new AccuracyEvaluator(o.data(), s.batchSize(), s.maxLength(), o.maxNewTokens(), o.parallel(), null);
        }
        if (type == Scoring.Type.DECODER || type == Scoring.Type.ENCODER) return new LayerwiseEvaluator(space.models(), o.data(), s);
        return new MaterializingEvaluator(o);
    }
}
