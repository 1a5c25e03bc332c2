package dev.cocktail.models;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Sentence embeddings of texts with a BERT-family (BERT, XLM-RoBERTa) model and its own tokenizer. */
public final class Embeddings {
    private Embeddings() {}

    /** Texts per forward pass: each batch is padded to its longest text. */
    static final int BATCH = 32;

    /** One normalized embedding per text; texts are truncated to the model's positions. */
    public static List<float[]> compute(ModelDir dir, List<String> texts, Pooling pooling, Progress progress) {
        if (!dir.hasTokenizer()) throw new CocktailException(dir.name() + ": has no tokenizer.json to tokenize the texts with.");
        Tokenizer tokenizer = Tokenizer.load(dir.path());
        List<float[]> out = new ArrayList<>();
        try (Bert bert = Bert.load(dir)) {
            int dim = bert.config().hiddenSize();
            progress.start("embedding", texts.size(), "texts");
            for (int from = 0; from < texts.size(); from += BATCH) {
                List<int[]> ids = new ArrayList<>();
                for (String t : texts.subList(from, Math.min(texts.size(), from + BATCH))) {
                    ids.add(tokenizer.encode(t, true, bert.config().maxTokens()).ids());
                }
                TokenBatch batch = TokenBatch.of(ids, bert.config().padTokenId());
                float[] e = pooling.embed(bert, batch);
                for (int b = 0; b < ids.size(); b++) out.add(Arrays.copyOfRange(e, b * dim, (b + 1) * dim));
                progress.advance(ids.size());
            }
        } finally {
            progress.finish();
        }
        return out;
    }
}
