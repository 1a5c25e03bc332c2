package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** Relevance scores of (query, passage) pairs with a cross-encoder reranker and its own tokenizer. */
public final class Reranking {
    private Reranking() {}

    /** Pairs per forward pass: each batch is padded to its longest pair. */
    static final int BATCH = 32;

    /**
     * The raw logit of every pair, in input order (FlagEmbedding's compute_score without
     * normalize). Pairs are truncated to maxLength tokens, LongestFirst, special tokens included;
     * maxLength 0 means the model's own limit, and a pair that is still longer than the model's
     * positions is refused.
     */
    public static float[] scores(ModelDir dir, List<Examples.Pair> pairs, int maxLength, Progress progress) {
        if (maxLength < 0) throw CocktailException.about("the maximum length", "the maximum length must not be negative, not " + maxLength + ".");
        if (!dir.hasTokenizer()) throw new CocktailException(dir.name() + ": has no tokenizer.json to tokenize the pairs with.");
        Tokenizer tokenizer = Tokenizer.load(dir.path());
        float[] out = new float[pairs.size()];
        try (Reranker reranker = Reranker.load(dir)) {
            int limit = reranker.config().maxTokens(), length = maxLength == 0 ? limit : maxLength;
            progress.start("reranking", pairs.size(), "pairs");
            for (int from = 0; from < pairs.size(); from += BATCH) {
                List<Encoding> batch = new ArrayList<>();
                for (int i = from; i < Math.min(pairs.size(), from + BATCH); i++) {
                    Encoding e = tokenizer.encodePair(pairs.get(i).query(), pairs.get(i).passage(), true, length);
                    if (e.length() > limit) {
                        throw CocktailException.about("a maximum length of", "pair " + (i + 1) + " has " + e.length() + " tokens, more than the "
                                + limit + " positions of " + dir.name() + "; give a maximum length of " + limit + " or less to truncate it.");
                    }
                    batch.add(e);
                }
                float[] s = reranker.scores(RerankerScoring.batch(batch, reranker.config().padTokenId()));
                System.arraycopy(s, 0, out, from, s.length);
                progress.advance(batch.size());
            }
        } finally {
            progress.finish();
        }
        return out;
    }

    /** 1 / (1 + exp(-x)): a logit as a probability of relevance (compute_score's normalize). */
    public static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }
}
