package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The demo in examples/ against the table its PyTorch training scripts wrote (results.json). */
class DemoTest {
    static final Path DEMO = TestData.path("").getParent().resolve("examples");
    static final JsonNode RESULTS = Json.readFile(DEMO.resolve("results.json"));
    static final List<String> MODELS = List.of("base", "ft-sort", "ft-count");
    static final List<String> TASKS = List.of("add", "reverse", "upper", "sort", "count");

    static ModelDir model(String name) {
        return ModelDir.resolve(DEMO.resolve("models").resolve(name).toString());
    }

    static Stream<Arguments> modelsAndTasks() {
        return MODELS.stream().flatMap(m -> TASKS.stream().map(t -> Arguments.of(m, t)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelsAndTasks")
    void evalLossAndGreedyAccuracyMatchTheTable(String model, String task) {
        Evaluation.Result r = Evaluation.run(model(model), DEMO.resolve("eval").resolve(task + ".jsonl"), 2, 2048, 16, true, 8,
                Progress.NONE);
        JsonNode row = RESULTS.path("rows").path(model);
        assertEquals(200, r.examples());
        assertEquals(row.path("eval_loss").path(task).asDouble(), r.loss(), 1e-3, "eval loss");
        long want = Math.round(row.path("accuracy").path(task).asDouble() * 200);
        long got = Math.round(r.accuracy().orElseThrow() * 200);
        assertEquals(want, got, 1, "exact matches out of 200");
    }

    @Test
    void fewShotLossesAndWeightsMatchTheTable() {
        for (String target : List.of("sort", "count")) {
            Scoring.Result r = Scoring.score(MODELS.stream().map(DemoTest::model).toList(),
                    DEMO.resolve("fewshot").resolve(target + ".jsonl"), Scoring.Options.DEFAULTS, Progress.NONE);
            for (int i = 0; i < MODELS.size(); i++) {
                assertEquals(RESULTS.path("fewshot_loss").path(MODELS.get(i)).path(target).asDouble(), r.losses()[i], 1e-4,
                        MODELS.get(i) + " few-shot loss on " + target);
                assertEquals(RESULTS.path("weights").path(target).path(MODELS.get(i)).asDouble(), r.weights()[i], 1e-4,
                        MODELS.get(i) + " weight for " + target);
            }
        }
    }
}
