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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The methods of testdata/mergekit (a copy of the shared mergekit fixture) against the real mergekit's
 * output on the demo models: every stored tensor within the recipe's tol_rel of max |expected|,
 * elements the fixture marks ambiguous left out.
 */
class MergekitFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"multislerp", "multislerp-base", "arcee_fusion", "ram", "ramplus_tl"})
    void equalsMergekit(String name, @TempDir Path tmp) throws IOException {
        Path fixture = TestData.path("mergekit");
        JsonNode recipe = Json.readFile(fixture.resolve("expected.json")).get("recipes").get(name);
        Path yml = tmp.resolve(name + ".yml");
        Files.writeString(yml, Files.readString(fixture.resolve(recipe.get("recipe").asText()))
                .replace("../demo/models", TestData.example("models").toString()));
        Path out = tmp.resolve("out");
        MergekitMerge.merge(new MergekitMerge.Request(yml, new Output(out, false, 5_000_000_000L, false), 42), Progress.NONE, "test");

        double tol = recipe.get("tol_rel").asDouble();
        JsonNode ambiguousFile = recipe.get("ambiguous");
        try (Checkpoint got = Checkpoint.open(out);
             Checkpoint want = Checkpoint.openFile(fixture.resolve(recipe.get("expected").asText()));
             Checkpoint ambiguous = ambiguousFile.isNull() ? null : Checkpoint.openFile(fixture.resolve(ambiguousFile.asText()))) {
            assertEquals(recipe.get("tensors").size(), got.tensors().size());
            int compared = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = recipe.get("tensors").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().get("stored").asBoolean()) continue;
                float[] g = values(got.require(e.getKey())), w = values(want.require(e.getKey()));
                Tensor mask = ambiguous == null ? null : ambiguous.tensor(e.getKey());
                byte[] skip = mask == null ? null : mask.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                double max = 0, err = 0;
                for (float x : w) max = Math.max(max, Math.abs(x));
                for (int i = 0; i < w.length; i++) if (skip == null || skip[i] == 0) err = Math.max(err, Math.abs(g[i] - w[i]));
                assertTrue(err <= tol * max, name + " " + e.getKey() + ": max error " + err + " > " + tol + " x " + max);
                compared++;
            }
            assertTrue(compared >= 10, "stored tensors compared: " + compared);
        }
    }

    private static float[] values(Tensor t) {
        float[] v = new float[(int) t.elementCount()];
        t.toF32(0, v, 0, v.length);
        return v;
    }
}
