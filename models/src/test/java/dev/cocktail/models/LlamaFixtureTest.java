package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Logits of every testdata/llama model against the float64 reference (README: 1e-4 for F32 arithmetic). */
class LlamaFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-mha-f32", "tiny-gqa-bf16", "tiny-tied-f16", "tiny-sharded", "tiny-rope-llama3"})
    void logitsMatchTheReference(String name) {
        JsonNode expected = Json.readFile(TestData.path("llama/expected.json")).get("models").get(name);
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("llama/expected.safetensors"));
             Llama model = Llama.load(ModelDir.resolve(TestData.path("llama/" + name).toString()))) {
            int[] ids = TestData.ints(ref, name + ".input_ids");
            float[] want = TestData.floats(ref, name + ".logits");
            int n = ids.length, vocab = model.config().vocabSize();
            assertEquals(expected.get("n").asInt(), n);
            float[] logits = model.logits(model.hidden(TokenBatch.of(List.of(ids), 0)), IntStream.range(0, n).toArray());
            double worst = 0;
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - logits[i]));
            assertTrue(worst <= 1e-4, name + ": max |logit diff| " + worst);
            double loss = 0;
            for (int t = 0; t + 1 < n; t++) loss += Losses.crossEntropy(logits, t * vocab, vocab, ids[t + 1]);
            loss /= n - 1;
            assertEquals(expected.get("loss").asDouble(), loss, 1e-5, name + " loss");
            System.out.printf("%s: max |logit diff| %.2e, loss diff %.2e%n", name, worst, Math.abs(loss - expected.get("loss").asDouble()));
        }
    }
}
