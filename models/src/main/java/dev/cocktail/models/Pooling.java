package dev.cocktail.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Sentence embeddings from last_hidden_state: the CLS row or the masked mean, then L2-normalized. */
public enum Pooling {
    CLS, MEAN;

    public static Pooling parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "cls" -> CLS;
            case "mean" -> MEAN;
            default -> throw CocktailException.about("the pooling", "the pooling '" + s + "' is neither cls nor mean.");
        };
    }

    /** What a sentence-transformers model's 1_Pooling/config.json asks for; CLS when there is none. */
    public static Pooling of(Path modelDir) {
        Path f = modelDir.resolve("1_Pooling").resolve("config.json");
        if (!Files.isRegularFile(f)) return CLS;
        JsonNode c = Json.readFile(f);
        if (c.path("pooling_mode_cls_token").asBoolean(false)) return CLS;
        if (c.path("pooling_mode_mean_tokens").asBoolean(false)) return MEAN;
        throw new CocktailException(f + ": asks for a pooling other than CLS or mean tokens.");
    }

    /**
     * Sentence embeddings [batch x hidden] of a batch run through `bert`, pooled and normalized:
     * CLS needs only the first rows of the last layer (Bert.clsStates), mean every real token's.
     */
    public float[] embed(Bert bert, TokenBatch batch) {
        int dim = bert.config().hiddenSize();
        if (this == MEAN) return embed(bert.tokenStates(batch), batch, dim);
        return unitRows(bert.clsStates(batch), dim);
    }

    /** Each row of rows [n x dim] scaled to unit length, as CLS pooling ends. */
    static float[] unitRows(float[] rows, int dim) {
        float[] out = new float[rows.length];
        double[] v = new double[dim];
        for (int b = 0; b < rows.length / dim; b++) {
            for (int j = 0; j < dim; j++) v[j] = rows[b * dim + j];
            unit(v, 1, out, b * dim);
        }
        return out;
    }

    /**
     * [batch x hidden] pooled and normalized from the real tokens' states one sequence after
     * another (Bert.tokenStates).
     */
    public float[] embed(float[] states, TokenBatch batch, int dim) {
        float[] out = new float[batch.batch() * dim];
        double[] v = new double[dim];
        for (int b = 0, first = 0; b < batch.batch(); first += batch.lengths()[b++]) {
            int count = this == CLS ? 1 : batch.lengths()[b];
            Arrays.fill(v, 0);
            for (int t = 0; t < count; t++) {
                for (int j = 0; j < dim; j++) v[j] += states[(first + t) * dim + j];
            }
            unit(v, count, out, b * dim);
        }
        return out;
    }

    /** out[at..at+dim) = the mean v / count scaled to unit length: v / max(|v|, 1e-12). */
    private static void unit(double[] v, int count, float[] out, int at) {
        double norm = 0;
        for (double x : v) norm += (x / count) * (x / count);
        double scale = 1 / (count * Math.max(Math.sqrt(norm), 1e-12));
        for (int j = 0; j < v.length; j++) out[at + j] = (float) (v[j] * scale);
    }
}
