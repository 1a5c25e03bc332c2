package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeCommandTest {
    static final String RECIPE = """
            models:
              - model: %1$s/ft-a
                parameters: {weight: 0.5, density: 0.5}
              - model: %1$s/ft-b
                parameters: {weight: 0.5, density: 0.5}
            merge_method: dare_ties
            base_model: %1$s/base
            dtype: bfloat16
            """;

    @Test
    void runsARecipeReproduciblyBySeed(@TempDir Path tmp) throws IOException {
        Path cfg = tmp.resolve("r.yml");
        Files.writeString(cfg, RECIPE.formatted(CliRun.testdata("cocktail-decoder")));
        CliRun a = CliRun.of("merge", cfg.toString(), "--output", tmp.resolve("a").toString(), "--seed", "5");
        assertEquals(0, a.status(), a.err());
        CliRun b = CliRun.of("merge", cfg.toString(), "--output", tmp.resolve("b").toString(), "--seed", "5", "--hash-inputs");
        assertEquals(0, b.status(), b.err());
        assertEquals(-1, Files.mismatch(tmp.resolve("a/model.safetensors"), tmp.resolve("b/model.safetensors")));
        try (Checkpoint ck = Checkpoint.open(tmp.resolve("a"))) {
            assertEquals("BF16", ck.require("lm_head.weight").dtype().name());
        }
        assertTrue(Files.readString(tmp.resolve("a/README.md")).contains("seed: 5"));
        assertTrue(Files.readString(tmp.resolve("a/README.md")).contains("not computed (use --hash-inputs)"));
        String base = InputsUnchangedTest.sha256(CliRun.testdata("cocktail-decoder").resolve("base/model.safetensors"));
        assertTrue(Files.readString(tmp.resolve("b/README.md")).contains(base), "--hash-inputs gives the inputs' sha256");
    }

    @Test
    void badRecipesExitTwoAndWriteNothing(@TempDir Path tmp) throws IOException {
        Path cfg = tmp.resolve("r.yml");
        Path out = tmp.resolve("out");
        for (String recipe : new String[] {
                RECIPE.formatted(CliRun.testdata("cocktail-decoder")) + "frankenmerge: true\n",
                RECIPE.formatted(CliRun.testdata("cocktail-decoder")).replace("dare_ties", "dare_tie"),
                RECIPE.formatted(CliRun.testdata("cocktail-decoder")).replace("ft-b", "missing"),
                "models: [\n"}) {
            Files.writeString(cfg, recipe);
            CliRun r = CliRun.of("merge", cfg.toString(), "--output", out.toString());
            assertEquals(2, r.status(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out));
        }
        CliRun missing = CliRun.of("merge", tmp.resolve("none.yml").toString(), "--output", out.toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }
}
