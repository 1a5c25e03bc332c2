package dev.cocktail.models;

import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Cocktail's few-shot loss of a cross-encoder reranker (LM-Cocktail weighs rerankers by hand only):
 * FlagEmbedding's reranker training loss. Each example's group [pos[0], negatives...] is scored as
 * (query, passage) pairs, cross-entropy of the group's logits with the positive first; batches of
 * examples as for encoders, and the loss is the mean over batches.
 */
public final class RerankerScoring {
    private RerankerScoring() {}

    /** One batch, tokenized: the pairs of every example's group, group after group. */
    public record Prepared(List<Encoding> pairs, int examples) {}

    /**
     * Batches of batchSize consecutive examples; the negatives are drawn as for encoders
     * (EncoderScoring.group), and each pair is truncated to maxLength tokens (LongestFirst).
     */
    public static List<Prepared> prepare(String source, List<Examples.Encoder> examples, Tokenizer tokenizer, int batchSize,
                                         int negNumber, long seed, int maxLength) {
        Random random = new Random(seed);
        List<Prepared> out = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += batchSize) {
            List<Encoding> pairs = new ArrayList<>();
            int to = Math.min(examples.size(), from + batchSize);
            for (int i = from; i < to; i++) {
                String query = examples.get(i).query();
                for (String p : EncoderScoring.group(source, examples, i, negNumber, random)) {
                    pairs.add(tokenizer.encodePair(query, p, true, maxLength));
                }
            }
            out.add(new Prepared(pairs, to - from));
        }
        return out;
    }

    /** The model's loss: the mean of the batch losses. */
    public static double loss(Reranker model, List<Prepared> batches, Progress progress) {
        double sum = 0;
        for (Prepared b : batches) {
            sum += batchLoss(model, b);
            progress.advance(b.examples());
        }
        return sum / batches.size();
    }

    /** The mean over the batch's examples of -log softmax(group scores)[0]. */
    static double batchLoss(Reranker model, Prepared b) {
        float[] scores = model.scores(batch(b.pairs(), model.config().padTokenId()));
        int group = scores.length / b.examples();
        double sum = 0;
        for (int i = 0; i < b.examples(); i++) sum += Losses.crossEntropy(scores, i * group, group, 0);
        return sum / b.examples();
    }

    /** Encoded pairs as one padded batch, with their type ids (the second segment's are 1 for BERT). */
    static TokenBatch batch(List<Encoding> pairs, int padId) {
        return TokenBatch.of(pairs.stream().map(Encoding::ids).toList(), pairs.stream().map(Encoding::typeIds).toList(), padId);
    }
}
