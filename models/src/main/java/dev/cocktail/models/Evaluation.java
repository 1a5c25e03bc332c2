package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * How a decoder does on {"input","output"} examples: the LM-Cocktail loss (batches of consecutive
 * examples, mean of the batch losses), its perplexity, and optionally the exact-match accuracy of
 * greedy continuations (decoded without special tokens, compared after stripping whitespace).
 */
public final class Evaluation {
    private Evaluation() {}

    public record Result(String model, int examples, double loss, double perplexity, OptionalDouble accuracy,
                         List<String> generated) {}

    /** `parallel`: how many examples decode together (see Generation). */
    public static Result run(ModelDir dir, Path data, int batchSize, int maxLength, int maxNewTokens, boolean generate,
                             int parallel, Progress progress) {
        if (!dir.hasTokenizer()) throw new CocktailException(dir.name() + ": has no tokenizer.json, which evaluation needs.");
        Tokenizer tokenizer = Tokenizer.load(dir.path());
        List<Examples.Decoder> examples = Examples.decoder(data);
        List<DecoderScoring.Prepared> prepared = DecoderScoring.prepare(examples, tokenizer, maxLength);
        try (Llama model = Llama.load(dir)) {
            progress.start("loss of " + dir.name(), prepared.size(), "examples");
            double loss;
            try {
                loss = DecoderScoring.loss(model, prepared, batchSize, progress);
            } finally {
                progress.finish();
            }
            if (!generate) return new Result(dir.name(), examples.size(), loss, Math.exp(loss), OptionalDouble.empty(), List.of());
            int eos = tokenizer.eosId().orElseThrow(() -> new CocktailException(
                    dir.name() + ": the tokenizer names no eos token, which greedy decoding stops at."));
            List<int[]> prompts = new ArrayList<>();
            for (Examples.Decoder e : examples) {
                int[] ids = tokenizer.encode(e.input(), true, maxLength).ids();
                if (ids.length == 0) {
                    throw new CocktailException(data + ": the input of example " + (prompts.size() + 1)
                            + " encodes to no tokens, and greedy decoding needs at least one to continue.");
                }
                prompts.add(ids);
            }
            List<int[]> continuations;
            progress.start("generating with " + dir.name(), examples.size(), "examples");
            try {
                continuations = Generation.greedy(model, prompts, maxNewTokens, eos, parallel, i -> progress.advance(1));
            } finally {
                progress.finish();
            }
            List<String> generated = new ArrayList<>();
            int hits = 0;
            for (int i = 0; i < examples.size(); i++) {
                String text = tokenizer.decode(continuations.get(i), true);
                generated.add(text);
                if (text.strip().equals(examples.get(i).output())) hits++;
            }
            return new Result(dir.name(), examples.size(), loss, Math.exp(loss),
                    OptionalDouble.of((double) hits / examples.size()), generated);
        }
    }
}
