package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The families beyond Llama (testdata/decoders, README there): logits of every position against the
 * float64 reference within 1e-4, the loss within 1e-5, and the KV cache fed in pieces giving the
 * whole pass's logits within 1e-5, sliding windows included.
 */
class DecoderFixtureTest {

    static final String[] MODELS = {"tiny-qwen3", "tiny-gemma2", "tiny-gemma3", "tiny-phi3", "tiny-mistral-window"};

    static Llama load(String name) {
        return Llama.load(ModelDir.resolve(TestData.path("decoders/" + name).toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen3", "tiny-gemma2", "tiny-gemma3", "tiny-phi3", "tiny-mistral-window"})
    void logitsMatchTheReference(String name) {
        JsonNode expected = Json.readFile(TestData.path("decoders/expected.json")).get("models").get(name);
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("decoders/expected.safetensors")); Llama model = load(name)) {
            int[] ids = TestData.ints(ref, name + ".input_ids");
            float[] want = TestData.floats(ref, name + ".logits");
            int n = ids.length, vocab = model.config().vocabSize();
            assertEquals(expected.get("n").asInt(), n);
            for (int i = 0; i < model.config().layers(); i++) {
                boolean sliding = expected.get("layer_types").get(i).asText().equals("sliding_attention");
                assertEquals(sliding, model.config().window(i) > 0, name + " layer " + i + " sliding");
            }
            float[] logits = model.logits(ids);
            double worst = 0;
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - logits[i]));
            assertTrue(worst <= 1e-4, name + ": max |logit diff| " + worst);
            double loss = Losses.nextTokenLoss(logits, ids, vocab);
            assertEquals(expected.get("loss").asDouble(), loss, 1e-5, name + " loss");
            System.out.printf("%s: max |logit diff| %.2e, loss diff %.2e%n", name, worst, Math.abs(loss - expected.get("loss").asDouble()));
        }
    }

    /** Pieces of 1 to 13 ids through the cache: every window boundary is crossed with keys only in the cache. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen3", "tiny-gemma2", "tiny-gemma3", "tiny-phi3", "tiny-mistral-window"})
    void cachedPiecesMatchTheWholePass(String name) {
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("decoders/expected.safetensors")); Llama model = load(name)) {
            int[] ids = TestData.ints(ref, name + ".input_ids");
            int vocab = model.config().vocabSize();
            float[] whole = model.logits(ids);
            KvCache cache = new KvCache(model.config(), ids.length);
            int at = 0;
            for (int piece : new int[] {13, 1, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 7, 100}) {
                int[] step = Arrays.copyOfRange(ids, at, Math.min(ids.length, at + piece));
                float[] logits = model.logits(model.hidden(TokenBatch.of(List.of(step), 0), cache),
                        IntStream.range(0, step.length).toArray());
                for (int r = 0; r < step.length; r++) {
                    for (int j = 0; j < vocab; j++) {
                        assertEquals(whole[(at + r) * vocab + j], logits[r * vocab + j], 1e-5, name + " position " + (at + r) + " logit " + j);
                    }
                }
                at += step.length;
                if (at == ids.length) break;
            }
            assertEquals(ids.length, cache.length());
        }
    }

    /** Sequences of a padded batch give the logits each gives alone (windows and padding together). */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-gemma2", "tiny-mistral-window"})
    void paddedBatchMatchesSingleSequences(String name) {
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("decoders/expected.safetensors")); Llama model = load(name)) {
            int[] ids = TestData.ints(ref, name + ".input_ids");
            int[] shorter = Arrays.copyOf(ids, 30);
            int vocab = model.config().vocabSize();
            TokenBatch batch = TokenBatch.of(List.of(shorter, ids), 0);
            float[] hidden = model.hidden(batch);
            float[] a = model.logits(hidden, IntStream.range(0, shorter.length).toArray());
            float[] b = model.logits(hidden, IntStream.range(0, ids.length).map(t -> batch.seqLen() + t).toArray());
            float[] wantA = model.logits(shorter), wantB = model.logits(ids);
            for (int i = 0; i < wantA.length; i++) assertEquals(wantA[i], a[i], 1e-5, name + " short " + i / vocab);
            for (int i = 0; i < wantB.length; i++) assertEquals(wantB[i], b[i], 1e-5, name + " long " + i / vocab);
        }
    }

    /** A fused qkv_proj whose rows are not q + k + v of config.json: one sentence naming the file and the tensor. */
    @Test
    void fusedRowsThatDoNotAddUp(@TempDir Path dir) throws IOException {
        Path src = TestData.path("decoders/tiny-phi3");
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) Json.readFile(src.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.put("num_key_value_heads", 2).toString());
        CocktailException e = assertThrows(CocktailException.class, () -> Llama.load(ModelDir.resolve(dir.toString())));
        assertTrue(e.getMessage().contains("fused tensor 'model.layers.0.self_attn.qkv_proj.weight' has shape [192, 64]")
                && e.getMessage().contains("[64, 32, 32]") && e.getMessage().endsWith("."), e.getMessage());
    }
}
