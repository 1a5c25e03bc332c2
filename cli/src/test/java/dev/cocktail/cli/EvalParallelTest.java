package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** eval --generate gives the same output whatever --parallel is, and refuses a --parallel below 1. */
class EvalParallelTest {

    @Test
    void theOutputDoesNotDependOnParallel() {
        String model = CliRun.examples("models/ft-sort").toString(), data = CliRun.examples("eval/sort.jsonl").toString();
        CliRun one = CliRun.of("eval", model, "--data", data, "--generate", "--parallel", "1", "--json");
        CliRun many = CliRun.of("eval", model, "--data", data, "--generate", "--parallel", "13", "--json");
        assertEquals(0, one.status(), one.err());
        assertEquals(0, many.status(), many.err());
        assertEquals(one.out(), many.out());
        assertTrue(one.out().contains("\"accuracy\""), one.out());
    }

    @Test
    void parallelBelowOneIsRefused() {
        CliRun r = CliRun.of("eval", CliRun.examples("models/base").toString(), "--data", CliRun.examples("eval/sort.jsonl").toString(),
                "--generate", "--parallel", "0");
        assertTrue(r.status() != 0, "non-zero exit");
        assertTrue(r.err().contains("--parallel must be at least 1, not 0."), r.err());
    }
}
