package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * LM-Cocktail's few-shot loss of an encoder-decoder (its preprocess_data_for_seq2seq and
 * seq2seq_loss): batches of consecutive examples; the input is the encoder's and the output the
 * decoder's labels, teacher-forced from [decoder start] + labels[:-1]; a batch's loss is the mean
 * cross-entropy over all its labels, the model's the unweighted mean of its batch losses.
 */
public final class Seq2SeqScoring {
    private Seq2SeqScoring() {}

    /** One example tokenized: the encoder's ids and the labels (the output's ids), both ending in eos. */
    public record Prepared(int[] input, int[] labels) {}

    /**
     * Each text encoded with special tokens (T5's template appends eos), truncated to maxLength
     * tokens: the first maxLength - 1 and then eos, as the tokenizer truncates.
     */
    public static List<Prepared> prepare(List<Examples.Decoder> examples, Tokenizer tokenizer, int maxLength) {
        List<Prepared> out = new ArrayList<>();
        for (Examples.Decoder e : examples) {
            out.add(new Prepared(tokenizer.encode(e.input(), true, maxLength).ids(), tokenizer.encode(e.output(), true, maxLength).ids()));
        }
        return out;
    }

    /** The model's loss: the unweighted mean of the batch losses over consecutive batches of batchSize. */
    public static double loss(T5 model, List<Prepared> examples, int batchSize, Progress progress) {
        return Losses.meanOverBatches(examples, batchSize, progress, (batch, from) -> batchLoss(model, batch, from));
    }

    /**
     * Mean cross-entropy over every label of the batch. As in LM-Cocktail, a label equal to the pad
     * id is no label (its padding is the pad id turned into -100, and so is a real pad token).
     */
    static double batchLoss(T5 model, List<Prepared> batch, int firstExample) {
        int pad = model.config().padId(), vocab = model.config().vocabSize();
        TokenBatch input = TokenBatch.of(batch.stream().map(Prepared::input).toList(), pad);
        TokenBatch target = TokenBatch.of(batch.stream().map(p -> decoderInput(p.labels(), model.config())).toList(), pad);
        List<Integer> rows = new ArrayList<>(), labels = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            int[] l = batch.get(b).labels();
            for (int t = 0; t < l.length; t++) {
                if (l[t] == pad) continue;
                rows.add(b * target.seqLen() + t);
                labels.add(l[t]);
            }
        }
        if (rows.isEmpty()) {
            throw new CocktailException("examples " + (firstExample + 1) + " to " + (firstExample + batch.size())
                    + " have no output tokens, so their loss is undefined.");
        }
        float[] decoded = model.decode(target, model.memory(model.encode(input), input), null);
        float[] logits = model.logits(decoded, rows.stream().mapToInt(Integer::intValue).toArray());
        double sum = 0;
        for (int i = 0; i < labels.size(); i++) sum += Losses.crossEntropy(logits, i * vocab, vocab, labels.get(i));
        return sum / labels.size();
    }

    /** Logits [target length x vocab] of a teacher-forced target and its mean cross-entropy. */
    public record TeacherForced(float[] logits, double loss) {}

    /** The decoder's logits for every token of `target` given `input`, and the target's loss (labels = target). */
    public static TeacherForced teacherForced(T5 model, int[] input, int[] target) {
        int vocab = model.config().vocabSize();
        for (int id : target) {
            if (id < 0 || id >= vocab) throw new CocktailException("target id " + id + " is outside the vocabulary (" + vocab + " ids).");
        }
        TokenBatch in = TokenBatch.of(List.of(input), model.config().padId());
        TokenBatch out = TokenBatch.of(List.of(decoderInput(target, model.config())), model.config().padId());
        float[] logits = model.logits(model.decode(out, model.memory(model.encode(in), in), null),
                java.util.stream.IntStream.range(0, target.length).toArray());
        double sum = 0;
        for (int t = 0; t < target.length; t++) sum += Losses.crossEntropy(logits, t * vocab, vocab, target[t]);
        return new TeacherForced(logits, sum / target.length);
    }

    /** The teacher-forced decoder input: [decoder start] + labels[:-1] (transformers' shift_tokens_right). */
    public static int[] decoderInput(int[] labels, T5Config config) {
        int[] ids = new int[labels.length];
        ids[0] = config.decoderStartId();
        System.arraycopy(labels, 0, ids, 1, labels.length - 1);
        return ids;
    }
}
