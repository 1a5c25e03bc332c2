package dev.cocktail;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.merge.Extrapolation;
import dev.cocktail.merge.MergekitMerge;
import dev.cocktail.merge.Mix;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Weights;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Embeddings;
import dev.cocktail.models.Evaluation;
import dev.cocktail.models.Generation;
import dev.cocktail.models.Pooling;
import dev.cocktail.models.Scoring;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * Cocktail for JVM applications, without the command line: each method is one of its commands.
 * <p>
 * A model is named as on the command line: a Hugging Face model directory, or a repo id
 * ({@code BAAI/bge-small-en-v1.5}, optionally {@code @revision}) already in the local hub cache.
 * Nothing is downloaded. Bad input throws {@link dev.cocktail.engine.CocktailException} with one
 * sentence naming the file and the problem; an output directory is written completely or not at all.
 * <pre>{@code
 * Scoring.Result r = Cocktail.mixWithData(List.of("models/base", "models/ft-sort", "models/ft-count"),
 *         Path.of("fewshot/sort.jsonl"), Path.of("out/cocktail-sort"), Cocktail.Options.DEFAULTS);
 * float[] weights = r.weights(); // softmax(-loss / T), one per model
 * }</pre>
 * The two LM-Cocktail entry points mirror FlagEmbedding's {@code mix_models} ({@link #mix}) and
 * {@code mix_models_with_data} ({@link #mixWithData}).
 */
public final class Cocktail {
    private Cocktail() {}

    /**
     * The options of every operation, with the command line's defaults in {@link #DEFAULTS}; change
     * one with its {@code with...} method.
     *
     * @param temperature T in the weights softmax(-loss / T)
     * @param batchSize examples per forward pass when scoring or evaluating
     * @param maxLength tokens per example at most
     * @param negNumber negatives per query when scoring an encoder
     * @param seed seed of the random choices (encoder negatives, DARE and DELLA)
     * @param maxNewTokens tokens generated per input at most by {@link #eval} with generation
     * @param dtype the output dtype of a merge, or null for the first model's
     * @param shardSize the largest weights file written, in bytes
     * @param replace whether an existing output directory is replaced
     * @param progress told how long work goes on ({@link Progress#NONE}: not at all)
     */
    public record Options(double temperature, int batchSize, int maxLength, int negNumber, long seed, int maxNewTokens,
                          DType dtype, long shardSize, boolean replace, Progress progress) {
        /** The command line's defaults: T = 5, batches of 2, 2048 tokens, 7 negatives, seed 42, 16 new tokens, 5 GB shards. */
        public static final Options DEFAULTS = new Options(5.0, 2, 2048, 7, 42, 16, null, 5_000_000_000L, false, Progress.NONE);

        public Options withTemperature(double t) {
            return new Options(t, batchSize, maxLength, negNumber, seed, maxNewTokens, dtype, shardSize, replace, progress);
        }

        public Options withBatchSize(int n) {
            return new Options(temperature, n, maxLength, negNumber, seed, maxNewTokens, dtype, shardSize, replace, progress);
        }

        public Options withSeed(long s) {
            return new Options(temperature, batchSize, maxLength, negNumber, s, maxNewTokens, dtype, shardSize, replace, progress);
        }

        public Options withDtype(DType d) {
            return new Options(temperature, batchSize, maxLength, negNumber, seed, maxNewTokens, d, shardSize, replace, progress);
        }

        public Options withShardSize(long bytes) {
            return new Options(temperature, batchSize, maxLength, negNumber, seed, maxNewTokens, dtype, bytes, replace, progress);
        }

        public Options withReplace(boolean r) {
            return new Options(temperature, batchSize, maxLength, negNumber, seed, maxNewTokens, dtype, shardSize, r, progress);
        }

        public Options withProgress(Progress p) {
            return new Options(temperature, batchSize, maxLength, negNumber, seed, maxNewTokens, dtype, shardSize, replace, p);
        }

        Scoring.Options scoring() {
            return new Scoring.Options(null, temperature, batchSize, maxLength, negNumber, seed);
        }

        Output output(Path dir) {
            return new Output(dir, replace, shardSize, false);
        }
    }

    /**
     * LM-Cocktail with given weights (FlagEmbedding's {@code mix_models}): writes sum_i w_i model_i.
     *
     * @param models the models, the first one giving config and tokenizer
     * @param weights one per model, summing to 1
     * @param output the directory to write (a new one, unless {@link Options#replace})
     */
    public static void mix(List<String> models, double[] weights, Path output, Options options) {
        Mix.mix(new Mix.Request(resolve(models), Weights.of(weights), false, null, 0, options.dtype(), options.output(output)),
                options.progress(), version());
    }

    /**
     * LM-Cocktail with weights from few-shot examples (FlagEmbedding's {@code mix_models_with_data}):
     * each model's loss on the examples, weights softmax(-loss / T), then the weighted sum.
     *
     * @param examples JSON Lines of {"input","output"} for decoders, {"query","pos","neg"} for encoders
     * @return the losses and the weights used
     */
    public static Scoring.Result mixWithData(List<String> models, Path examples, Path output, Options options) {
        List<ModelDir> dirs = resolve(models);
        try (OpenModels open = OpenModels.open(dirs)) {
            Scoring.Result scored = Scoring.score(dirs, open.checkpoints(), examples, options.scoring(), options.progress());
            Mix.mix(new Mix.Request(dirs, scored.weights(), false, null, 0, options.dtype(), options.output(output)), open,
                    options.progress(), version());
            return scored;
        }
    }

    /** A mergekit YAML recipe (linear, ties, dare_ties, slerp, model_stock, ...), seeded by {@link Options#seed}. */
    public static void merge(Path recipe, Path output, Options options) {
        MergekitMerge.merge(new MergekitMerge.Request(recipe, options.output(output), options.seed()), options.progress(), version());
    }

    /**
     * ExPO: each fine-tuned model moved away from its base, base + (1 + alpha)(model - base), then
     * their average.
     */
    public static void extrapolate(String base, List<String> models, double alpha, Path output, Options options) {
        Extrapolation.extrapolate(new Extrapolation.Request(ModelDir.resolve(base), resolve(models), alpha, null, options.dtype(),
                options.output(output)), options.progress(), version());
    }

    /** Each model's loss on the examples and the weights softmax(-loss / T), without merging. */
    public static Scoring.Result score(List<String> models, Path examples, Options options) {
        return Scoring.score(resolve(models), examples, options.scoring(), options.progress());
    }

    /** A decoder's loss and perplexity on {"input","output"} examples; with generate, its greedy exact-match accuracy too. */
    public static Evaluation.Result eval(String model, Path examples, boolean generate, Options options) {
        return Evaluation.run(ModelDir.resolve(model), examples, options.batchSize(), options.maxLength(), options.maxNewTokens(),
                generate, Generation.DEFAULT_PARALLEL, options.progress());
    }

    /** Normalized sentence embeddings with a BERT model, pooled as its sentence-transformers files say (else CLS). */
    public static List<float[]> embed(String model, List<String> texts, Options options) {
        ModelDir dir = ModelDir.resolve(model);
        return Embeddings.compute(dir, texts, Pooling.of(dir.path()), options.progress());
    }

    private static List<ModelDir> resolve(List<String> models) {
        return models.stream().map(ModelDir::resolve).toList();
    }

    /** This library's version, recorded in the model cards it writes. */
    public static String version() {
        try (InputStream in = Cocktail.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
