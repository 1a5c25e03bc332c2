package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * LM-Cocktail's few-shot loss of a causal LM: the mean, over batches of consecutive examples, of
 * each batch's mean cross-entropy over its answer tokens.
 */
public final class DecoderScoring {
    private DecoderScoring() {}

    /** The label of positions the loss ignores (the prompt), as in Hugging Face. */
    public static final int IGNORED = -100;

    /** One example ready for the model: ids and, per position, the label or IGNORED. */
    public record Prepared(int[] ids, int[] labels) {}

    /**
     * ids = encode(input + " " + output) with special tokens, then eos; labels ignore the
     * len(encode(input)) first positions; both truncated to maxLength.
     */
    public static List<Prepared> prepare(List<Examples.Decoder> examples, Tokenizer tokenizer, int maxLength) {
        int eos = tokenizer.eosId().orElseThrow(() -> new CocktailException(
                "the tokenizer has no eos token, which decoder scoring appends to every example."));
        List<Prepared> out = new ArrayList<>();
        for (Examples.Decoder e : examples) {
            int[] text = tokenizer.encode(e.input() + " " + e.output(), true).ids();
            int[] ids = Arrays.copyOf(text, text.length + 1);
            ids[text.length] = eos;
            int promptLength = Math.min(tokenizer.encode(e.input(), true).ids().length, ids.length);
            int[] labels = ids.clone();
            Arrays.fill(labels, 0, promptLength, IGNORED);
            int n = Math.min(ids.length, maxLength);
            out.add(new Prepared(Arrays.copyOf(ids, n), Arrays.copyOf(labels, n)));
        }
        return out;
    }

    /** The model's loss: the unweighted mean of the batch losses over consecutive batches of batchSize. */
    public static double loss(Llama model, List<Prepared> examples, int batchSize, Progress progress) {
        return Losses.meanOverBatches(examples, batchSize, progress, (batch, from) -> batchLoss(model, batch, from));
    }

    /** Mean cross-entropy over every labelled position of the batch, where logits at t predict the label at t + 1. */
    static double batchLoss(Llama model, List<Prepared> batch, int firstExample) {
        Targets t = targets(batch, firstExample);
        return t.loss(model.logits(model.hidden(t.tokens()), t.rows()), model.config().vocabSize());
    }

    /**
     * A batch's tokens padded together, and what its loss reads: the rows of the hidden states whose
     * logits predict a label, the labels, and each label's example (numbered from 1, for messages).
     */
    public record Targets(TokenBatch tokens, int[] rows, int[] labels, int[] examples) {

        /** The mean cross-entropy of the labels, given the logits [rows.length x vocab] of the rows. */
        public double loss(float[] logits, int vocab) {
            double sum = 0;
            for (int i = 0; i < labels.length; i++) sum += Losses.finite(Losses.crossEntropy(logits, i * vocab, vocab, labels[i]), examples[i]);
            return sum / labels.length;
        }
    }

    /** The batch's targets: every position t whose next label (t + 1) is not IGNORED. */
    public static Targets targets(List<Prepared> batch, int firstExample) {
        TokenBatch tokens = TokenBatch.of(batch.stream().map(Prepared::ids).toList(), 0);
        List<Integer> rows = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<Integer> of = new ArrayList<>(); // each target's example
        for (int b = 0; b < batch.size(); b++) {
            int[] labels = batch.get(b).labels();
            for (int t = 0; t + 1 < labels.length; t++) {
                if (labels[t + 1] == IGNORED) continue;
                rows.add(b * tokens.seqLen() + t);
                targets.add(labels[t + 1]);
                of.add(firstExample + b + 1);
            }
        }
        if (rows.isEmpty()) {
            throw new CocktailException("examples " + (firstExample + 1) + " to " + (firstExample + batch.size())
                    + " have no answer tokens within the maximum length, so their loss is undefined.");
        }
        return new Targets(tokens, ints(rows), ints(targets), ints(of));
    }

    private static int[] ints(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }
}
