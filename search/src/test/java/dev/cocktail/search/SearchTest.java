package dev.cocktail.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import dev.cocktail.merge.Mix;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Scoring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library below `cocktail search`: grids, CMA-ES, the cocktail space's objective against `mix` + `score`, recipe ranges. */
class SearchTest {
    static final List<String> DEMO = List.of("base", "ft-sort", "ft-count").stream()
            .map(m -> TestData.example("models/" + m).toString()).toList();
    static final List<String> ENCODERS = List.of("base", "ft-a", "ft-b").stream()
            .map(m -> TestData.path("cocktail-encoder/" + m).toString()).toList();

    static Objective loss(Path data) {
        return new Objective(Objective.Metric.LOSS, List.of(data), null,
                new Scoring.Options(null, 5.0, 2, 2048, 3, 42), 16, 8);
    }

    static Search.Request request(List<String> models, String space, Strategy s, int budget, long seed, Objective o) {
        return new Search.Request(models, space, s, budget, seed, 0, null, null, o);
    }

    @Test
    void weightsGridIsTheFinestSimplexLatticeInTheBudget() {
        try (Space s = WeightsSpace.open(DEMO, null)) {
            List<Point> grid = Strategy.grid(s, 14); // C(5, 2) = 10 at resolution 3, C(6, 2) = 21 at 4
            assertEquals(10, grid.size());
            Set<List<Double>> seen = new HashSet<>();
            for (Point p : grid) {
                assertEquals(1.0, p.weights()[0] + p.weights()[1] + p.weights()[2], 1e-12);
                for (double w : p.weights()) assertEquals(0, Math.abs(w * 3 - Math.round(w * 3)), 1e-12, "a multiple of 1/3");
                assertTrue(seen.add(List.of(p.weights()[0], p.weights()[1], p.weights()[2])));
            }
            assertThrows(CocktailException.class, () -> Strategy.grid(s, 2)); // the coarsest has 3 points
        }
    }

    /**
     * Every candidate's loss, from the search's evaluator (layer by layer) and from the naive one, is
     * `score`'s on the model `mix` writes with the candidate's weights, alpha and fine-tuned model.
     */
    @Test
    void cocktailCandidatesScoreAsMixThenScore(@TempDir Path tmp) {
        Path data = TestData.path("cocktail-encoder/examples.jsonl");
        Objective o = loss(data);
        Search.Request r = request(ENCODERS, "cocktail", Strategy.GRID, 9, 42, o);
        try (Space s = Search.open(r); CandidateEvaluator e = Search.evaluator(o, s);
             CandidateEvaluator naive = new MaterializingEvaluator(o)) {
            Search.Result result = Search.run(r, s, e, (done, total, best) -> {});
            assertEquals(9, result.rows().size());
            CocktailSpace space = (CocktailSpace) s;
            for (Search.Row row : result.rows()) {
                Path out = tmp.resolve("mix-" + row.index());
                Mix.mix(new Mix.Request(ENCODERS.stream().map(ModelDir::resolve).toList(), space.weights(row.point()), false,
                        ModelDir.resolve(ENCODERS.get(1)), row.point().values()[1], null, new Output(out, false, 1L << 30, false)),
                        Progress.NONE, "test");
                double want = Scoring.score(List.of(ModelDir.resolve(out.toString())), data, o.scoring(), Progress.NONE).losses()[0];
                assertEquals(want, row.figures()[0], 1e-5, "candidate " + row.index());
                assertEquals(want, row.objective(), 1e-5);
                assertEquals(want, naive.evaluate(s.plan(row.point()))[0], 1e-5, "the naive evaluator, candidate " + row.index());
            }
            for (int i = 1; i < result.rows().size(); i++) assertTrue(result.rows().get(i - 1).objective() <= result.rows().get(i).objective());
        }
    }

    /** Same seed, same candidates; every candidate inside the bounds and on the simplex; never more than the budget. */
    @Test
    void cmaesIsSeededAndBounded() {
        try (Space s = WeightsSpace.open(DEMO, null)) {
            List<List<Double>> first = walk(s, 3), again = walk(s, 3), other = walk(s, 4);
            assertEquals(first, again);
            assertTrue(!first.equals(other), "another seed walks elsewhere");
            assertEquals(15, first.size());
            for (List<Double> w : first) {
                assertEquals(1.0, w.stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
                for (double x : w) assertTrue(x >= 0 && x <= 1);
            }
        }
    }

    /** The points CMA-ES asks for on a smooth cost (the distance to a target mix). */
    static List<List<Double>> walk(Space s, long seed) {
        List<List<Double>> points = new ArrayList<>();
        Strategy.CMAES.run(s, 15, seed, p -> {
            points.add(List.of(p.weights()[0], p.weights()[1], p.weights()[2]));
            return Math.pow(p.weights()[0] - 0.2, 2) + Math.pow(p.weights()[1] - 0.7, 2);
        });
        return points;
    }

    @Test
    void recipeRangesBecomeDimensionsAndValues(@TempDir Path tmp) throws IOException {
        Path recipe = tmp.resolve("r.yml");
        Files.writeString(recipe, """
                models:
                  - model: %s
                  - model: %s
                    parameters:
                      weight: [0.1, 0.9]
                      density: [0.2, 1.0]
                merge_method: dare_ties
                base_model: %s
                parameters:
                  lambda: [0.5, 1.5]
                """.formatted(DEMO.get(0), DEMO.get(1), DEMO.get(0)));
        try (RecipeSpace s = RecipeSpace.open(recipe)) {
            assertEquals(List.of("lambda", DEMO.get(1) + " weight", DEMO.get(1) + " density"), s.parameterNames());
            Point p = s.decode(new double[] {0.5, 0, 1});
            assertArrayEquals(new double[] {1.0, 0.1, 1.0}, p.values());
            String yaml = s.recipe(p);
            assertTrue(yaml.contains("lambda: 1.0") && yaml.contains("weight: 0.1") && yaml.contains("density: 1.0"), yaml);
            assertEquals(8, Strategy.grid(s, 8).size()); // two values of each of the three
        }
    }

    @Test
    void recipeRangesAreChecked(@TempDir Path tmp) throws IOException {
        String recipe = "models:\n  - model: %s\n  - model: %s\n    parameters:\n      weight: 1.0\nmerge_method: ties\nbase_model: %s\nparameters:\n  %s\n";
        String[][] cases = {
                {"normalize: [0, 1]", "parameter 'normalize' cannot be searched"},
                {"lambda: [1.5, 0.5]", "give [low, high] with low below high"},
        };
        for (String[] c : cases) {
            Path file = tmp.resolve("bad.yml");
            Files.writeString(file, recipe.formatted(DEMO.get(0), DEMO.get(1), DEMO.get(0), c[0]));
            String m = assertThrows(CocktailException.class, () -> RecipeSpace.open(file).close()).getMessage();
            assertTrue(m.contains(c[1]), m);
        }
    }
}
