package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LM-Cocktail mixes of the fixture models reproduce the reference's merged values. */
class MixFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"cocktail-decoder", "cocktail-encoder"})
    void mixReproducesTheReferenceMerge(String fixture, @TempDir Path tmp) throws IOException {
        JsonNode expected = Json.readFile(TestData.path(fixture + "/expected.json")).get("merge");
        double[] w = new double[3];
        for (int i = 0; i < 3; i++) w[i] = expected.get("weights").get(i).asDouble();
        List<String> models = List.of("base", "ft-a", "ft-b").stream()
                .map(m -> TestData.path(fixture + "/" + m).toString()).toList();
        Path out = tmp.resolve("merged");
        Mix.mix(new Mix.Request(TinyModels.dirs(models), w, false, null, 0, null, new Output(out, false, 5_000_000_000L, false)), Progress.NONE, "test");

        try (Checkpoint ck = Checkpoint.open(out)) {
            Iterator<Map.Entry<String, JsonNode>> it = expected.get("tensors").fields();
            int checked = 0;
            while (it.hasNext()) {
                var e = it.next();
                Tensor t = ck.require(e.getKey());
                assertEquals(DType.F32, t.dtype());
                float[] got = new float[8];
                t.toF32(0, got, 0, 8);
                for (int i = 0; i < 8; i++) {
                    assertEquals(e.getValue().get("first8").get(i).asDouble(), got[i], 1e-6, e.getKey() + "[" + i + "]");
                }
                checked++;
            }
            assertEquals(3, checked);
        }
        JsonNode config = Json.readFile(out.resolve("config.json"));
        assertEquals("float32", config.get("torch_dtype").asText());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer from the first model");
        String card = Files.readString(out.resolve("README.md"));
        Path ftA = TestData.path(fixture + "/ft-a/model.safetensors");
        assertTrue(card.contains("| model.safetensors | " + Files.size(ftA) + " | " + ModelCard.NOT_HASHED + " | weight " + w[1] + " |"), card);
        assertTrue(card.contains("weight " + w[1]), card);
        boolean encoder = fixture.contains("encoder");
        assertEquals(encoder, Files.isRegularFile(out.resolve("modules.json")), "sentence-transformers files for encoders only");
        if (encoder) {
            JsonNode pooling = Json.readFile(out.resolve("1_Pooling/config.json"));
            assertTrue(pooling.get("pooling_mode_cls_token").asBoolean());
            assertFalse(pooling.get("pooling_mode_mean_tokens").asBoolean());
            assertTrue(Json.readFile(out.resolve("modules.json")).toString().contains("Normalize"));
        }
    }

    /**
     * The demo's two-step recipe, alpha 0.5 with ft-sort: checked element by element against
     * acc = w0*base + w1*sort + w2*count (F32, in order), then 0.5*sort + 0.5*acc, written as F32.
     */
    @Test
    void twoStepKeepsTheCocktailInF32(@TempDir Path tmp) throws IOException {
        JsonNode weights = Json.readFile(TestData.example("results.json")).get("weights").get("sort");
        List<String> names = List.of("base", "ft-sort", "ft-count");
        double[] w = new double[3];
        for (int i = 0; i < 3; i++) w[i] = weights.get(names.get(i)).asDouble();
        List<String> models = names.stream().map(m -> TestData.example("models/" + m).toString()).toList();
        Path out = tmp.resolve("two-step");
        Mix.mix(new Mix.Request(TinyModels.dirs(models), w, false, ModelDir.resolve(models.get(1)), 0.5, DType.F32, new Output(out, false, 5_000_000_000L, false)),
                Progress.NONE, "test");
        List<Checkpoint> in = new ArrayList<>();
        try (Checkpoint merged = Checkpoint.open(out)) {
            for (String m : models) in.add(Checkpoint.open(Path.of(m)));
            for (Tensor t : merged.tensors()) {
                assertEquals(DType.F32, t.dtype(), t.name());
                int n = (int) t.elementCount();
                float[][] x = new float[3][n];
                for (int i = 0; i < 3; i++) in.get(i).require(t.name()).toF32(0, x[i], 0, n);
                float[] got = new float[n];
                t.toF32(0, got, 0, n);
                for (int e = 0; e < n; e++) {
                    float acc = (float) w[0] * x[0][e];
                    acc = acc + (float) w[1] * x[1][e];
                    acc = acc + (float) w[2] * x[2][e];
                    float two = 0.5f * x[1][e] + 0.5f * acc;
                    assertEquals(two, got[e], 0f, t.name() + "[" + e + "]");
                }
            }
        } finally {
            in.forEach(Checkpoint::close);
        }
        assertEquals("float32", Json.readFile(out.resolve("config.json")).get("torch_dtype").asText());
    }
}
