package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cocktail moe on the demo: a Mixtral of the sort and count specialists, scored and evaluated by Cocktail. */
class MoeCommandTest {
    static final String RECIPE = """
            base_model: %1$s/base
            gate_mode: hidden_avg
            experts_per_token: 1
            experts:
              - source_model: %1$s/ft-sort
                positive_prompts: ["sort emk\\n", "sort rhw\\n", "sort bimeim\\n", "sort ggyioy\\n"]
              - source_model: %1$s/ft-count
                positive_prompts: ["count j\\n", "count ahawmjobw\\n", "count vpz\\n", "count pzwmofh\\n"]
            """;

    /** Routed to the specialists' MLPs, the MoE beats the base model on both tasks (its attention is still the base's). */
    @Test
    void buildsAMixtralThatScoresAndEvaluatesBetterThanTheBase(@TempDir Path tmp) throws IOException {
        Path recipe = Files.writeString(tmp.resolve("moe.yml"), RECIPE.formatted(CliRun.examples("models")));
        Path out = tmp.resolve("moe");
        CliRun build = CliRun.of("moe", recipe.toString(), "--output", out.toString());
        assertEquals(0, build.status(), build.err());
        assertEquals("mixtral", Json.readFile(out.resolve("config.json")).path("model_type").asText());
        JsonNode results = Json.readFile(CliRun.examples("results.json"));
        for (String task : new String[] {"sort", "count"}) {
            CliRun score = CliRun.of("score", CliRun.examples("models/base").toString(), out.toString(),
                    "--data", CliRun.examples("fewshot/" + task + ".jsonl").toString(), "--json");
            assertEquals(0, score.status(), score.err());
            JsonNode models = Json.MAPPER.readTree(score.out()).get("models");
            assertTrue(models.get(1).get("loss").asDouble() < models.get(0).get("loss").asDouble(), task + ": " + score.out());
            CliRun eval = CliRun.of("eval", out.toString(), "--data", CliRun.examples("eval/" + task + ".jsonl").toString(), "--json");
            assertEquals(0, eval.status(), eval.err());
            double loss = Json.MAPPER.readTree(eval.out()).get("loss").asDouble();
            assertTrue(loss < results.path("rows").path("base").path("eval_loss").path(task).asDouble(), task + " eval loss " + loss);
        }
    }

    @Test
    void badRecipesExitTwoWithOneLineAndWriteNothing(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        String good = RECIPE.formatted(CliRun.examples("models"));
        for (String recipe : new String[] {good.replace("hidden_avg", "hiden"), good.replace("    positive_prompts: [\"count", "    negative_prompts: [\"count"),
                good.replace("ft-count", "missing")}) {
            Path cfg = Files.writeString(tmp.resolve("r.yml"), recipe);
            CliRun r = CliRun.of("moe", cfg.toString(), "--output", out.toString());
            assertEquals(2, r.status(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out));
        }
    }
}
