package dev.cocktail.search;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Evaluation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * `--metric accuracy`: each data file's greedy exact-match accuracy (as `eval --generate`). This one
 * writes the candidate: greedy decoding runs every layer for each new token, the next token depending
 * on the last layer's output, so the examples cannot go through the model one layer at a time as the
 * loss does (LayerwiseEvaluator), and keeping every layer's merged weights in memory would hold the
 * whole model there. The candidate is written by MergePlan.write into a scratch directory, evaluated
 * with Evaluation.run, and removed, whether or not the evaluation succeeds.
 */
public final class AccuracyEvaluator implements CandidateEvaluator {
    private static final long SHARD = 5_000_000_000L;

    private final List<Path> data;
    private final int batchSize;
    private final int maxLength;
    private final int maxNewTokens;
    private final int parallel;
    private final Path scratch;

    /**
     * @param scratch where each candidate's directory is made (null: the system's temporary directory)
     * @param batchSize, maxLength, maxNewTokens, parallel as for Evaluation.run
     */
    public AccuracyEvaluator(List<Path> data, int batchSize, int maxLength, int maxNewTokens, int parallel, Path scratch) {
        if (data.isEmpty()) throw CocktailException.about("data file", "a search needs at least one data file.");
        this.data = List.copyOf(data);
        this.batchSize = batchSize;
        this.maxLength = maxLength;
        this.maxNewTokens = maxNewTokens;
        this.parallel = parallel;
        this.scratch = scratch;
    }

    @Override
    public double[] evaluate(MergePlan candidate) {
        ModelDir from = candidate.configFrom();
        ForwardPass pass = from.architecture().forwardPass();
        if (pass != ForwardPass.LLAMA && pass != ForwardPass.T5) {
            throw CocktailException.about("the metric", "the metric accuracy is greedy exact match, which needs a decoder or an encoder-decoder; "
                    + from.name() + " is neither.");
        }
        Path dir = null;
        try {
            dir = scratch == null ? Files.createTempDirectory("cocktail-candidate-") : Files.createTempDirectory(scratch, "cocktail-candidate-");
            Path model = dir.resolve("model");
            candidate.write(new Output(model, false, SHARD, false), Progress.NONE, "search");
            double[] out = new double[data.size()];
            for (int f = 0; f < out.length; f++) {
                out[f] = Evaluation.run(ModelDir.resolve(model.toString()), data.get(f), batchSize, maxLength, maxNewTokens, true,
                        parallel, Progress.NONE).accuracy().orElseThrow();
            }
            return out;
        } catch (IOException e) {
            throw new CocktailException("cannot make a scratch directory for the candidate (" + CocktailException.reason(e) + ").", e);
        } finally {
            if (dir != null) delete(dir);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {}
}
