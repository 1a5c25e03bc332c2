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
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;

/**
 * How a decoder or a T5 does on {"input","output"} examples: the LM-Cocktail loss (batches of
 * consecutive examples, mean of the batch losses), its perplexity, and optionally the exact-match
 * accuracy of greedy outputs (decoded without special tokens, compared after stripping whitespace).
 */
public final class Evaluation {
    private Evaluation() {}

    public record Result(String model, int examples, double loss, double perplexity, OptionalDouble accuracy,
                         List<String> generated) {}

    /** `parallel`: how many examples a decoder decodes together (see Generation); a T5 decodes one at a time. */
    public static Result run(ModelDir dir, Path data, int batchSize, int maxLength, int maxNewTokens, boolean generate,
                             int parallel, Progress progress) {
        if (!dir.hasTokenizer()) throw new CocktailException(dir.name() + ": has no tokenizer.json, which evaluation needs.");
        Tokenizer tokenizer = Tokenizer.load(dir.path());
        List<Examples.Decoder> examples = Examples.decoder(data);
        int eos = generate ? tokenizer.eosId().orElseThrow(() -> new CocktailException(
                dir.name() + ": the tokenizer names no eos token, which greedy decoding stops at.")) : -1;
        if (dir.architecture().forwardPass() == ForwardPass.T5) {
            List<Seq2SeqScoring.Prepared> prepared = Seq2SeqScoring.prepare(examples, tokenizer, maxLength);
            try (T5 model = T5.load(dir)) {
                return evaluate(dir.name(), data, examples, tokenizer, maxLength, generate, progress,
                        p -> Seq2SeqScoring.loss(model, prepared, batchSize, p),
                        (inputs, done) -> {
                            List<int[]> out = new ArrayList<>();
                            for (int[] input : inputs) {
                                out.add(Generation.greedy(model, input, maxNewTokens, eos));
                                done.accept(out.size() - 1);
                            }
                            return out;
                        });
            }
        }
        List<DecoderScoring.Prepared> prepared = DecoderScoring.prepare(examples, tokenizer, maxLength);
        try (Llama model = Llama.load(dir)) {
            return evaluate(dir.name(), data, examples, tokenizer, maxLength, generate, progress,
                    p -> DecoderScoring.loss(model, prepared, batchSize, p),
                    (prompts, done) -> Generation.greedy(model, prompts, maxNewTokens, eos, parallel, done));
        }
    }

    /** The ids generated for each input's ids (a decoder's prompt, a T5's encoder input), telling `done` of each as it ends. */
    private interface Greedy {
        List<int[]> generate(List<int[]> inputs, IntConsumer done);
    }

    /** @param loss the model's loss on the examples, advancing the progress per example */
    private static Result evaluate(String name, Path data, List<Examples.Decoder> examples, Tokenizer tokenizer, int maxLength,
                                   boolean generate, Progress progress, ToDoubleFunction<Progress> loss, Greedy greedy) {
        progress.start("loss of " + name, examples.size(), "examples");
        double l;
        try {
            l = loss.applyAsDouble(progress);
        } finally {
            progress.finish();
        }
        if (!generate) return new Result(name, examples.size(), l, Math.exp(l), OptionalDouble.empty(), List.of());
        List<int[]> inputs = new ArrayList<>();
        for (Examples.Decoder e : examples) {
            int[] ids = tokenizer.encode(e.input(), true, maxLength).ids();
            if (ids.length == 0) {
                throw new CocktailException(data + ": the input of example " + (inputs.size() + 1)
                        + " encodes to no tokens, and greedy decoding needs at least one to continue.");
            }
            inputs.add(ids);
        }
        List<int[]> outputs;
        progress.start("generating with " + name, examples.size(), "examples");
        try {
            outputs = greedy.generate(inputs, i -> progress.advance(1));
        } finally {
            progress.finish();
        }
        List<String> generated = new ArrayList<>();
        int hits = 0;
        for (int i = 0; i < examples.size(); i++) {
            String text = tokenizer.decode(outputs.get(i), true);
            generated.add(text);
            if (text.strip().equals(examples.get(i).output())) hits++;
        }
        return new Result(name, examples.size(), l, Math.exp(l), OptionalDouble.of((double) hits / examples.size()), generated);
    }
}
