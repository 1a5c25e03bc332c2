package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** testdata/bert: last_hidden_state (padded rows included) and both pooled, normalized embeddings. */
class BertFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-bert", "tiny-bert-prefixed"})
    void matchesTheReference(String name) {
        JsonNode expected = Json.readFile(TestData.path("bert/expected.json"));
        Tokenizer tokenizer = Tokenizer.load(TestData.path("bert/tiny-bert"));
        List<int[]> sequences = new ArrayList<>();
        for (JsonNode text : expected.get("texts")) sequences.add(tokenizer.encode(text.asText(), true).ids());
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("bert/expected.safetensors"));
             Bert bert = Bert.load(ModelDir.resolve(TestData.path("bert/" + name).toString()))) {
            TokenBatch batch = TokenBatch.of(sequences, 0);
            assertArrayEquals(TestData.ints(ref, "input_ids"), batch.ids(), "token ids, padded");
            int dim = bert.config().hiddenSize();
            float[] hidden = bert.hidden(batch);
            double h = maxDiff(TestData.floats(ref, "last_hidden_state"), hidden);
            float[] states = bert.tokenStates(batch);
            double alone = maxDiff(realRows(hidden, batch, dim), states); // only sums over lanes may take another order
            assertTrue(alone <= 1e-6, "the real tokens' states computed without the padded rows: max diff " + alone);
            double cls = maxDiff(TestData.floats(ref, "cls_normalized"), Pooling.CLS.embed(states, batch, dim));
            double clsAlone = maxDiff(TestData.floats(ref, "cls_normalized"), Pooling.CLS.embed(bert, batch)); // the last layer for CLS rows only
            double mean = maxDiff(TestData.floats(ref, "mean_pooled_normalized"), Pooling.MEAN.embed(states, batch, dim));
            System.out.printf("%s: last_hidden_state %.2e, cls_normalized %.2e (%.2e from clsStates), mean_pooled_normalized %.2e%n",
                    name, h, cls, clsAlone, mean);
            assertTrue(h <= 1e-5, "last_hidden_state max diff " + h);
            assertTrue(cls <= 1e-5, "cls_normalized max diff " + cls);
            assertTrue(clsAlone <= 1e-5, "cls_normalized from clsStates: max diff " + clsAlone);
            assertTrue(mean <= 1e-5, "mean_pooled_normalized max diff " + mean);
        }
    }

    /** The rows of real tokens of a padded [batch * seqLen x dim], one sequence after another. */
    static float[] realRows(float[] padded, TokenBatch batch, int dim) {
        float[] real = new float[Arrays.stream(batch.lengths()).sum() * dim];
        for (int b = 0, at = 0; b < batch.batch(); at += batch.lengths()[b++] * dim) {
            System.arraycopy(padded, b * batch.seqLen() * dim, real, at, batch.lengths()[b] * dim);
        }
        return real;
    }

    static double maxDiff(float[] want, float[] got) {
        assertTrue(want.length == got.length, "sizes " + want.length + " vs " + got.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        return worst;
    }
}
