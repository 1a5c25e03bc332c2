package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * LM-Cocktail's few-shot loss of an embedding model (FlagEmbedding's embedder_loss): per batch of
 * queries, CLS embeddings of the queries and of every query's positive and sampled negatives,
 * scores = Q P^T / 0.05 with the other queries' passages as extra negatives, cross-entropy toward
 * each query's own positive; the loss is the mean over batches.
 */
public final class EncoderScoring {
    private EncoderScoring() {}

    /** LM-Cocktail divides cosine similarities by this temperature. */
    static final double SCORE_TEMPERATURE = 0.05;

    /** One batch, tokenized: the queries, and per query its positive then its negatives. */
    public record Prepared(List<int[]> queries, List<int[]> passages) {}

    /**
     * Batches of batchSize consecutive examples; each example contributes pos[0] and negNumber of its
     * negatives drawn without replacement by one Random(seed) walked in file order. Texts are
     * tokenized with special tokens and truncated to maxLength.
     */
    public static List<Prepared> prepare(String source, List<Examples.Encoder> examples, Tokenizer tokenizer, int batchSize,
                                         int negNumber, long seed, int maxLength) {
        Random random = new Random(seed);
        List<Prepared> out = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += batchSize) {
            List<int[]> queries = new ArrayList<>(), passages = new ArrayList<>();
            for (int i = from; i < Math.min(examples.size(), from + batchSize); i++) {
                queries.add(tokenizer.encode(examples.get(i).query(), true, maxLength).ids());
                for (String p : group(source, examples, i, negNumber, random)) passages.add(tokenizer.encode(p, true, maxLength).ids());
            }
            out.add(new Prepared(queries, passages));
        }
        return out;
    }

    /** Example i's passages: pos[0], then negNumber of its negatives drawn by `random`. */
    static List<String> group(String source, List<Examples.Encoder> examples, int i, int negNumber, Random random) {
        Examples.Encoder e = examples.get(i);
        if (e.pos().isEmpty()) throw new CocktailException(source + ": example " + (i + 1) + " has no positive passage.");
        if (e.neg().size() < negNumber) {
            throw CocktailException.about("the number of negatives", source + ": example " + (i + 1) + " has " + e.neg().size()
                    + " negatives, fewer than the number of negatives " + negNumber + ".");
        }
        List<String> group = new ArrayList<>(1 + negNumber);
        group.add(e.pos().getFirst());
        group.addAll(sample(e.neg(), negNumber, random));
        return group;
    }

    /** n items without replacement, in draw order (a partial Fisher-Yates shuffle). */
    static List<String> sample(List<String> items, int n, Random random) {
        List<String> pool = new ArrayList<>(items);
        for (int i = 0; i < n; i++) Collections.swap(pool, i, i + random.nextInt(pool.size() - i));
        return pool.subList(0, n);
    }

    /** The model's loss: the mean of the batch losses. */
    public static double loss(Bert model, List<Prepared> batches, Progress progress) {
        double sum = 0;
        int done = 0;
        for (Prepared b : batches) {
            sum += batchLoss(model, b, done);
            done += b.queries().size();
            progress.advance(b.queries().size());
        }
        return sum / batches.size();
    }

    /** @param firstExample how many examples came before the batch */
    static double batchLoss(Bert model, Prepared b, int firstExample) {
        return batchLoss(embed(model, b.queries()), embed(model, b.passages()), model.config().hiddenSize(), firstExample);
    }

    /** The same from the normalized embeddings of the batch's queries and passages [n x dim]. */
    static double batchLoss(float[] q, float[] p, int dim, int firstExample) {
        int nq = q.length / dim, np = p.length / dim, group = np / nq;
        float[] scores = new float[np];
        double sum = 0;
        for (int i = 0; i < nq; i++) {
            for (int j = 0; j < np; j++) {
                double dot = 0;
                for (int d = 0; d < dim; d++) dot += (double) q[i * dim + d] * p[j * dim + d];
                scores[j] = (float) (dot / SCORE_TEMPERATURE);
            }
            sum += Losses.finite(Losses.crossEntropy(scores, 0, np, i * group), firstExample + i + 1);
        }
        return sum / nq;
    }

    /** Normalized CLS embeddings of the texts, run as one batch (of their real tokens only). */
    static float[] embed(Bert model, List<int[]> texts) {
        TokenBatch batch = TokenBatch.of(texts, model.config().padTokenId());
        return Pooling.CLS.embed(model, batch);
    }
}
