package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The main job end to end through the command line, on the demo: `mix --data` with the few-shot
 * examples of a target task, then `eval` of the merged model on every task, against the numbers
 * the demo's PyTorch scripts recorded for the same merge rounded to BF16 (the inputs' dtype).
 */
class CocktailDemoTest {
    static final List<String> MODELS = List.of("base", "ft-sort", "ft-count");
    static final List<String> TASKS = List.of("add", "reverse", "upper", "sort", "count");

    @ParameterizedTest(name = "{0}")
    @CsvSource({"cocktail-sort, sort, ", "cocktail-count, count, ", "two-step-count, count, ft-count"})
    void mixWithDataThenEval(String row, String target, String finetuned, @TempDir Path tmp) throws IOException {
        JsonNode results = Json.readFile(CliRun.examples("results.json"));
        Path out = tmp.resolve(row), report = tmp.resolve(row + ".json");
        List<String> args = new java.util.ArrayList<>(List.of("mix"));
        for (String m : MODELS) args.add(CliRun.examples("models/" + m).toString());
        args.addAll(List.of("--data", CliRun.examples("fewshot/" + target + ".jsonl").toString(),
                "--output", out.toString(), "--report", report.toString()));
        if (finetuned != null) args.addAll(List.of("--finetuned", CliRun.examples("models/" + finetuned).toString(), "--alpha", "0.5"));
        CliRun mix = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, mix.status(), mix.err());
        assertTrue(mix.out().contains("weight"), "prints the table of models, losses and weights: " + mix.out());

        JsonNode r = Json.readFile(report);
        assertEquals(5.0, r.get("temperature").asDouble());
        for (int i = 0; i < MODELS.size(); i++) {
            assertEquals(results.path("weights").path(target).path(MODELS.get(i)).asDouble(), r.get("weights").get(i).asDouble(), 1e-4,
                    "weight of " + MODELS.get(i));
            assertEquals(results.path("fewshot_loss").path(MODELS.get(i)).path(target).asDouble(),
                    r.get("models").get(i).get("loss").asDouble(), 1e-4, "few-shot loss of " + MODELS.get(i));
        }

        JsonNode want = results.path("rows").path(row).path("bf16_output");
        for (String task : TASKS) {
            CliRun eval = CliRun.of("eval", out.toString(), "--data", CliRun.examples("eval/" + task + ".jsonl").toString(),
                    "--generate", "--json");
            assertEquals(0, eval.status(), eval.err());
            JsonNode got = Json.MAPPER.readTree(eval.out());
            assertEquals(want.path("eval_loss").path(task).asDouble(), got.get("loss").asDouble(), 1e-3, row + " loss on " + task);
            assertEquals(Math.round(want.path("accuracy").path(task).asDouble() * 200), Math.round(got.get("accuracy").asDouble() * 200), 1,
                    row + " exact matches on " + task);
        }
    }
}
