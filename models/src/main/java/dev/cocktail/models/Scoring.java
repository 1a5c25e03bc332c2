package dev.cocktail.models;

import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.kernels.Kernels;
import dev.cocktail.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import java.util.function.ToDoubleBiFunction;

/**
 * LM-Cocktail's example-driven weights: each model's loss on the same few-shot examples, tokenized
 * once with the first model's tokenizer, then weights = softmax(-loss / temperature) in float32.
 */
public final class Scoring {
    private Scoring() {}

    public enum Type {
        DECODER, ENCODER, RERANKER, ENCODER_DECODER;

        public static Type parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "decoder" -> DECODER;
                case "encoder" -> ENCODER;
                case "reranker" -> RERANKER;
                case "encoder-decoder" -> ENCODER_DECODER;
                default -> throw new CocktailException("--type '" + s + "' is none of decoder, encoder, reranker, encoder-decoder.");
            };
        }
    }

    /**
     * @param type        null: from the first model's config.json
     * @param maxLength   tokens per text (or reranker pair) at most (never beyond an encoder's positions)
     * @param negNumber   negatives per encoder or reranker example
     * @param seed        of the negative sampling
     */
    public record Options(Type type, double temperature, int batchSize, int maxLength, int negNumber, long seed) {
        public static final Options DEFAULTS = new Options(null, 5.0, 2, 2048, 7, 42);

        public Options {
            if (!(temperature > 0) || Double.isInfinite(temperature)) throw new CocktailException("--temperature must be a positive number, not " + temperature + ".");
            if (batchSize < 1) throw new CocktailException("--batch-size must be at least 1, not " + batchSize + ".");
            if (maxLength < 2) throw new CocktailException("--max-length must be at least 2, not " + maxLength + ".");
            if (negNumber < 0) throw new CocktailException("--neg-number must not be negative.");
        }
    }

    /** Losses and weights in the order of the models. */
    public record Result(Type type, List<String> models, double[] losses, float[] weights, double temperature) {}

    public static Result score(List<ModelDir> models, Path data, Options options, Progress progress) {
        return score(models, null, data, options, progress);
    }

    /**
     * Scores the models whose weights the caller has mapped already (mapped[i] for models[i], each
     * shared for the time its forward pass runs), or maps each in turn when mapped is null.
     */
    public static Result score(List<ModelDir> models, List<Checkpoint> mapped, Path data, Options options, Progress progress) {
        if (models.isEmpty()) throw new CocktailException("scoring needs at least one model.");
        ModelDir first = models.getFirst();
        Type type = options.type() != null ? options.type() : typeOf(first);
        if (!first.hasTokenizer()) throw new CocktailException(first.name() + ": has no tokenizer.json, and the examples are tokenized with the first model's.");
        Tokenizer tokenizer = Tokenizer.load(first.path());
        double[] losses = switch (type) {
            case DECODER -> {
                List<DecoderScoring.Prepared> examples = DecoderScoring.prepare(Examples.decoder(data), tokenizer, options.maxLength());
                yield losses(models, mapped, examples.size(), progress, (dir, weights) -> {
                    try (Llama model = Llama.load(dir, weights, Kernels.cpu())) {
                        return DecoderScoring.loss(model, examples, options.batchSize(), progress);
                    }
                });
            }
            case ENCODER -> {
                List<EncoderScoring.Prepared> batches = EncoderScoring.prepare(data.toString(), Examples.encoder(data), tokenizer,
                        options.batchSize(), options.negNumber(), options.seed(), maxTokens(first, options));
                yield losses(models, mapped, batches.stream().mapToInt(b -> b.queries().size()).sum(), progress, (dir, weights) -> {
                    try (Bert model = Bert.load(dir, weights)) {
                        return EncoderScoring.loss(model, batches, progress);
                    }
                });
            }
            case RERANKER -> {
                List<RerankerScoring.Prepared> batches = RerankerScoring.prepare(data.toString(), Examples.encoder(data), tokenizer,
                        options.batchSize(), options.negNumber(), options.seed(), maxTokens(first, options));
                yield losses(models, mapped, batches.stream().mapToInt(RerankerScoring.Prepared::examples).sum(), progress, (dir, weights) -> {
                    try (Reranker model = Reranker.load(dir, weights)) {
                        return RerankerScoring.loss(model, batches, progress);
                    }
                });
            }
            case ENCODER_DECODER -> {
                List<Seq2SeqScoring.Prepared> examples = Seq2SeqScoring.prepare(Examples.decoder(data), tokenizer, options.maxLength());
                yield losses(models, mapped, examples.size(), progress, (dir, weights) -> {
                    try (T5 model = T5.load(dir, weights)) {
                        return Seq2SeqScoring.loss(model, examples, options.batchSize(), progress);
                    }
                });
            }
        };
        return new Result(type, models.stream().map(ModelDir::name).toList(), losses,
                weights(losses, options.temperature()), options.temperature());
    }

    /** Each model's loss, one after another, each with its progress bar over `examples`. */
    private static double[] losses(List<ModelDir> models, List<Checkpoint> mapped, int examples, Progress progress,
                                   ToDoubleBiFunction<ModelDir, Checkpoint> loss) {
        double[] out = new double[models.size()];
        for (int i = 0; i < out.length; i++) {
            progress.start("loss of " + models.get(i).name(), examples, "examples");
            try {
                ModelDir model = models.get(i);
                Checkpoint weights = mapped == null ? null : mapped.get(i);
                out[i] = named(model, () -> loss.applyAsDouble(model, weights == null ? model.openCheckpoint() : weights.share()));
            } finally {
                progress.finish();
            }
        }
        return out;
    }

    /**
     * Tokens per text (or pair) at most: LM-Cocktail pads and truncates with the tokenizer, and
     * positions past the encoder's table do not exist.
     */
    private static int maxTokens(ModelDir first, Options options) {
        return Math.min(options.maxLength(), BertConfig.parse(first.config(), first.name() + "/config.json").maxTokens());
    }

    /** A model's loss; a problem with it (an example whose loss is not finite) names the model. */
    private static double named(ModelDir model, DoubleSupplier loss) {
        try {
            return loss.getAsDouble();
        } catch (CocktailException e) {
            throw new CocktailException(model.name() + ": " + e.getMessage(), e);
        } catch (InternalError e) {
            // a fault reading the memory map: its file was truncated after it was mapped
            if (e.getMessage() == null || !e.getMessage().contains("unsafe memory access")) throw e;
            throw new CocktailException(model.name() + ": its weights changed or were truncated while they were read.", e);
        }
    }

    /** The scoring of the first model's family, from the table of architectures; --type does not add a forward pass. */
    public static Type typeOf(ModelDir model) {
        Architecture a = model.architecture();
        if (a.forwardPass() == ForwardPass.NONE) throw a.cannotScore(model.name() + "/config.json");
        return switch (a.family()) {
            case DECODER -> Type.DECODER;
            case ENCODER -> Type.ENCODER;
            case RERANKER -> Type.RERANKER;
            case ENCODER_DECODER -> Type.ENCODER_DECODER;
            default -> throw new IllegalStateException(a.describe() + " has a forward pass but no scoring loss");
        };
    }

    /**
     * softmax(-loss / temperature) as LM-Cocktail computes it on a torch.FloatTensor: the losses and
     * the quotients rounded to float32, the exponentials summed in double, the weights rounded to float32.
     */
    public static float[] weights(double[] losses, double temperature) {
        float[] x = new float[losses.length];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            x[i] = -(float) losses[i] / (float) temperature;
            if (!Float.isFinite(x[i])) { // a temperature near 0 (or below float32's smallest) overflows -loss / T
                throw new CocktailException("--temperature " + temperature + " is too small for these losses: -loss / T of model " + (i + 1)
                        + " (loss " + losses[i] + ") is " + x[i] + " in float32; use a larger temperature.");
            }
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) sum += e[i] = Math.exp(x[i] - max);
        float[] w = new float[x.length];
        for (int i = 0; i < x.length; i++) w[i] = (float) (e[i] / sum);
        return w;
    }
}
