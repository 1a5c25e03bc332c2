package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merge's folder alone redoes it: cocktail.json for mix and extrapolate, mergekit_config.yml for a recipe, to the same bytes. */
class ReproduceFromFolderTest {
    @TempDir
    Path tmp;

    List<String> models(int n) throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 1);
        List<String> out = new java.util.ArrayList<>();
        out.add(TinyModels.write(tmp.resolve("base"), base).toString());
        for (int i = 1; i < n; i++) out.add(TinyModels.write(tmp.resolve("ft" + i), TinyModels.random(10 + i, base, 0.1)).toString());
        return out;
    }

    Output output(String name) {
        return new Output(tmp.resolve(name), false, 1L << 30, false);
    }

    /** Redoes `first`'s cocktail.json into `again` and checks the weights and the record come out the same. */
    void redoneIdentically(String first, String again) throws IOException {
        CocktailJson.redo(tmp.resolve(first).resolve(CocktailJson.FILE), output(again), Progress.NONE, "test");
        assertArrayEquals(Files.readAllBytes(tmp.resolve(first).resolve("model.safetensors")),
                Files.readAllBytes(tmp.resolve(again).resolve("model.safetensors")));
        assertEquals(Files.readString(tmp.resolve(first).resolve(CocktailJson.FILE)), Files.readString(tmp.resolve(again).resolve(CocktailJson.FILE)));
    }

    @Test
    void aScoredMixRecordsWeightsLossesAndTemperature() throws IOException {
        // weights that are not short decimals: the record must give back their exact F32 bits
        float[] w = {0.3017f, 1 - 0.3017f - 0.1234567f, 0.1234567f};
        List<String> m = models(3);
        Mix.mix(new Mix.Request(TinyModels.dirs(m), w, false, null, 0, DType.BF16, output("a"),
                new Mix.Scores(new double[] {2.5, 2.25, 3.0}, 5.0)), Progress.NONE, "test");
        JsonNode j = Json.readFile(tmp.resolve("a").resolve(CocktailJson.FILE));
        assertEquals("mix", j.get("command").asText());
        assertEquals("test", j.get("cocktail_version").asText());
        assertEquals(m.get(1), j.get("models").get(1).get("name").asText());
        assertEquals(w[1], (float) j.get("weights").get(1).doubleValue());
        assertEquals(2.25, j.get("scoring").get("losses").get(1).doubleValue());
        assertEquals(5.0, j.get("scoring").get("temperature").doubleValue());
        assertEquals("bfloat16", j.get("dtype").asText());
        assertTrue(ModelCardTest.frontMatter(Files.readString(tmp.resolve("a/README.md"))).get("tags").toString().contains("lm-cocktail"));
        redoneIdentically("a", "b");
    }

    @Test
    void aTwoStepMixWithUnnormalizedWeights() throws IOException {
        List<String> m = models(3);
        Mix.mix(new Mix.Request(TinyModels.dirs(m.subList(0, 2)), new float[] {0.7f, 0.7f}, true, TinyModels.dirs(m.subList(2, 3)).getFirst(),
                0.35, null, output("a")), Progress.NONE, "test");
        JsonNode j = Json.readFile(tmp.resolve("a").resolve(CocktailJson.FILE));
        assertEquals(0.35, j.get("alpha").doubleValue());
        assertTrue(j.get("allow_unnormalized").asBoolean());
        assertFalse(j.has("scoring"), "weights given, not scored");
        redoneIdentically("a", "b");
    }

    @Test
    void anExtrapolation() throws IOException {
        List<String> m = models(3);
        Extrapolation.extrapolate(new Extrapolation.Request(TinyModels.dirs(m.subList(0, 1)).getFirst(), TinyModels.dirs(m.subList(1, 3)),
                0.3, null, null, output("a")), Progress.NONE, "test");
        JsonNode j = Json.readFile(tmp.resolve("a").resolve(CocktailJson.FILE));
        assertEquals("extrapolate", j.get("command").asText());
        assertEquals(m.getFirst(), j.get("base").get("name").asText());
        String tags = ModelCardTest.frontMatter(Files.readString(tmp.resolve("a/README.md"))).get("tags").toString();
        assertTrue(tags.contains("\"extrapolation\",\"expo\""), tags);
        redoneIdentically("a", "b");
    }

    @Test
    void aMergekitRecipeIsWrittenAsGiven() throws IOException {
        List<String> m = models(3);
        String yaml = """
                # a comment stays
                merge_method: dare_ties
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 0.6, density: 0.5}
                  - model: %s
                    parameters: {weight: 0.4, density: 0.7}
                dtype: float32
                """.formatted(m.get(0), m.get(1), m.get(2));
        Path recipe = Files.writeString(tmp.resolve("recipe.yml"), yaml);
        MergekitMerge.merge(new MergekitMerge.Request(recipe, output("a"), 7), Progress.NONE, "test");
        Path written = tmp.resolve("a/mergekit_config.yml");
        assertEquals(yaml, Files.readString(written));
        String card = Files.readString(tmp.resolve("a/README.md"));
        assertTrue(ModelCardTest.frontMatter(card).get("tags").toString().contains("mergekit"));
        assertTrue(card.contains("`cocktail merge mergekit_config.yml OUT_DIR --seed 7`"), card);
        MergekitMerge.merge(new MergekitMerge.Request(written, output("b"), 7), Progress.NONE, "test");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a/model.safetensors")), Files.readAllBytes(tmp.resolve("b/model.safetensors")));
    }

    @Test
    void aRecordNotOfAMixIsRefused() throws IOException {
        Path bad = Files.writeString(tmp.resolve("cocktail.json"), "{\"command\": \"merge\"}");
        CocktailException e = assertThrows(CocktailException.class, () -> CocktailJson.redo(bad, output("x"), Progress.NONE, "test"));
        assertEquals(bad + ": is not a cocktail.json Cocktail can redo: its command is 'merge', not mix or extrapolate.", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x")));
    }
}
