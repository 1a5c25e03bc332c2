package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * How a decoder or a T5 does on {"input","output"} examples: the LM-Cocktail loss (batches of
 * consecutive examples, mean of the batch losses), its perplexity, and optionally the exact-match
 * accuracy of greedy outputs (decoded without special tokens, compared after stripping whitespace).
 */
public final class Evaluation {
    private Evaluation() {}

    public record Result(String model, int examples, double loss, double perplexity, OptionalDouble accuracy,
                         List<String> generated) {}

    public static Result run(ModelDir dir, Path data, int batchSize, int maxLength, int maxNewTokens, boolean generate,
                             Progress progress) {
        if (!dir.hasTokenizer()) throw new CocktailException(dir.name() + ": has no tokenizer.json, which evaluation needs.");
        Tokenizer tokenizer = Tokenizer.load(dir.path());
        List<Examples.Decoder> examples = Examples.decoder(data);
        int eos = generate ? tokenizer.eosId().orElseThrow(() -> new CocktailException(
                dir.name() + ": the tokenizer names no eos token, which greedy decoding stops at.")) : -1;
        if (dir.architecture().forwardPass() == ForwardPass.T5) {
            List<Seq2SeqScoring.Prepared> prepared = Seq2SeqScoring.prepare(examples, tokenizer, maxLength);
            try (T5 model = T5.load(dir)) {
                return evaluate(dir.name(), examples, tokenizer, maxLength, generate, progress,
                        p -> Seq2SeqScoring.loss(model, prepared, batchSize, p),
                        input -> Generation.greedy(model, input, maxNewTokens, eos));
            }
        }
        List<DecoderScoring.Prepared> prepared = DecoderScoring.prepare(examples, tokenizer, maxLength);
        try (Llama model = Llama.load(dir)) {
            return evaluate(dir.name(), examples, tokenizer, maxLength, generate, progress,
                    p -> DecoderScoring.loss(model, prepared, batchSize, p),
                    prompt -> Generation.greedy(model, prompt, maxNewTokens, eos));
        }
    }

    /**
     * @param loss   the model's loss on the examples, advancing the progress per example
     * @param greedy the ids generated for an input's ids (the prompt of a decoder, the encoder input of a T5)
     */
    private static Result evaluate(String name, List<Examples.Decoder> examples, Tokenizer tokenizer, int maxLength,
                                   boolean generate, Progress progress, ToDoubleFunction<Progress> loss,
                                   UnaryOperator<int[]> greedy) {
        progress.start("loss of " + name, examples.size(), "examples");
        double l;
        try {
            l = loss.applyAsDouble(progress);
        } finally {
            progress.finish();
        }
        if (!generate) return new Result(name, examples.size(), l, Math.exp(l), OptionalDouble.empty(), List.of());
        List<String> generated = new ArrayList<>();
        int hits = 0;
        progress.start("generating with " + name, examples.size(), "examples");
        try {
            for (Examples.Decoder e : examples) {
                String text = tokenizer.decode(greedy.apply(tokenizer.encode(e.input(), true, maxLength).ids()), true);
                generated.add(text);
                if (text.strip().equals(e.output())) hits++;
                progress.advance(1);
            }
        } finally {
            progress.finish();
        }
        return new Result(name, examples.size(), l, Math.exp(l), OptionalDouble.of((double) hits / examples.size()), generated);
    }
}
