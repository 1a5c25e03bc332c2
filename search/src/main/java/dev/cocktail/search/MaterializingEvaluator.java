package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.Output;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The naive evaluator: writes the candidate into a scratch directory through the ordinary merge
 * path, scores it as `score` and `eval` do, and deletes it. Correct for every space and family, and
 * the baseline the layer-by-layer evaluator is measured against.
 */
public final class MaterializingEvaluator implements CandidateEvaluator {
    private final Objective objective;
    private final Path scratch;

    /** Each candidate goes to a fresh directory under the system's temporary one, removed by close(). */
    public MaterializingEvaluator(Objective objective) {
        this.objective = objective;
        try {
            this.scratch = Files.createTempDirectory("cocktail-search-");
        } catch (IOException e) {
            throw new CocktailException("no scratch directory for the candidates (" + CocktailException.reason(e) + ").", e);
        }
    }

    @Override
    public double[] evaluate(MergePlan candidate) {
        Path dir;
        try {
            dir = Files.createTempDirectory(scratch, "candidate-");
            Files.delete(dir); // the merge creates its output directory itself
        } catch (IOException e) {
            throw new CocktailException(scratch + ": cannot hold a scratch candidate (" + CocktailException.reason(e) + ").", e);
        }
        try {
            candidate.write(new Output(dir, false, 5_000_000_000L, false), Progress.NONE, "search");
            return objective.figures(ModelDir.resolve(dir.toString()));
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CocktailException(dir + ": the scratch candidate cannot be removed (" + CocktailException.reason(e) + ").", e);
        }
    }

    @Override
    public void close() {
        delete(scratch);
    }
}
