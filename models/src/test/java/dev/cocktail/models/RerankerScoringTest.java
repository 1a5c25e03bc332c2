package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** testdata/cocktail-reranker: the scores, batch losses and losses of the three rerankers. */
class RerankerScoringTest {
    static final List<String> MODELS = List.of("base", "ft-a", "ft-b");

    static ModelDir model(String name) {
        return ModelDir.resolve(TestData.path("cocktail-reranker/" + name).toString());
    }

    /** Every case from the text examples (tokenized as pairs by the base's Unigram tokenizer): losses and weights. */
    @Test
    void lossesAndWeightsOfEveryCase() {
        EncoderScoringTest.everyCase("cocktail-reranker", Scoring.Type.RERANKER);
    }

    @Test
    void lossesFromTheFixtureTokenIds() {
        JsonNode expected = Json.readFile(TestData.path("cocktail-reranker/expected.json")).get("cases").get(0);
        assertEquals(2, expected.get("batch_size").asInt());
        List<RerankerScoring.Prepared> batches = new ArrayList<>();
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("cocktail-reranker/expected.safetensors"))) {
            for (int b = 0; b < 3; b++) {
                TokenBatch t = XlmrFixtureTest.batch(ref, "batch" + b + ".", 1, false);
                List<Encoding> pairs = new ArrayList<>();
                for (int i = 0; i < t.batch(); i++) {
                    int[] ids = Arrays.copyOfRange(t.ids(), i * t.seqLen(), i * t.seqLen() + t.lengths()[i]);
                    pairs.add(new Encoding(ids, List.of(), new int[ids.length]));
                }
                batches.add(new RerankerScoring.Prepared(pairs, 2));
            }
            for (String m : MODELS) {
                try (Reranker reranker = Reranker.load(model(m))) {
                    float[] want = TestData.floats(ref, m + ".scores"), got = new float[want.length];
                    for (int b = 0; b < 3; b++) {
                        float[] s = reranker.scores(RerankerScoring.batch(batches.get(b).pairs(), 1));
                        System.arraycopy(s, 0, got, b * 8, 8);
                        assertEquals(expected.get("batch_losses").get(m).get(b).asDouble(),
                                RerankerScoring.batchLoss(reranker, batches.get(b)), 1e-5, m + " batch " + b);
                    }
                    double d = BertFixtureTest.maxDiff(want, got);
                    double loss = RerankerScoring.loss(reranker, batches, Progress.NONE);
                    System.out.printf("%s: scores max diff %.2e, loss %.7f (want %.7f)%n", m, d, loss, expected.get("losses").get(m).asDouble());
                    assertTrue(d <= 1e-5, m + " scores max diff " + d);
                    assertEquals(expected.get("losses").get(m).asDouble(), loss, 1e-5, m + " loss");
                }
            }
        }
    }
}
