package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A mergekit-style recipe per method (test resources merge/*.yml) runs on the decoder fixture's models. */
class MergekitRecipesTest {

    @ParameterizedTest
    @ValueSource(strings = {"linear", "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
            "breadcrumbs_ties", "della", "della_linear", "slerp", "nuslerp", "model_stock", "karcher", "sce",
            "nearswap", "passthrough"})
    void recipeRunsOnTheFixtureModels(String method, @TempDir Path tmp) throws IOException {
        String yaml;
        try (InputStream in = getClass().getResourceAsStream("/merge/" + method + ".yml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path recipe = tmp.resolve(method + ".yml");
        Files.writeString(recipe, yaml.replace("${fixtures}", TestData.path("").toString()));
        MergekitConfig cfg = MergekitConfig.read(recipe);
        assertEquals(method, cfg.method().mergekitName());
        Path out = tmp.resolve("out");
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, false, 5_000_000_000L, false), 42), Progress.NONE, "test");

        JsonNode config = Json.readFile(out.resolve("config.json"));
        String dtype = cfg.dtype() == null ? "float32" : cfg.dtype().torchName();
        assertEquals(dtype, config.get("torch_dtype").asText());
        int layers = method.equals("passthrough") ? 3 : 2;
        assertEquals(layers, config.get("num_hidden_layers").asInt());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer from the base");
        assertTrue(Files.readString(out.resolve("README.md")).contains("merge_method: " + method));
        try (Checkpoint ck = Checkpoint.open(out);
             Checkpoint base = Checkpoint.open(TestData.path("cocktail-decoder/base"))) {
            assertEquals(base.tensors().size() + (layers - 2) * 9, ck.tensors().size());
            for (Tensor t : ck.tensors()) {
                assertEquals(dtype, t.dtype().torchName(), t.name());
                float[] v = new float[(int) t.elementCount()];
                t.toF32(0, v, 0, v.length);
                for (float x : v) assertTrue(Float.isFinite(x), t.name());
            }
        }
    }
}
