package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixCommandTest {
    static String model(String m) {
        return CliRun.testdata("cocktail-decoder/" + m).toString();
    }

    @Test
    void mixesWithTheFixtureWeightsAndReports(@TempDir Path tmp) throws IOException {
        JsonNode merge = Json.readFile(CliRun.testdata("cocktail-decoder/expected.json")).get("merge");
        String w = merge.get("weights").get(0).asText() + "," + merge.get("weights").get(1).asText() + ","
                + merge.get("weights").get(2).asText();
        Path out = tmp.resolve("mixed");
        CliRun r = CliRun.of("mix", model("base"), model("ft-a"), model("ft-b"), "--weights", w, "--output", out.toString(),
                "--dtype", "bf16", "--shard-size", "100KB", "--report", tmp.resolve("report.json").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertTrue(ck.shardCount() > 1, "sharded at 100KB");
            float[] v = new float[1];
            ck.require("lm_head.weight").toF32(0, v, 0, 1);
            assertEquals(merge.get("tensors").get("lm_head.weight").get("first8").get(0).asDouble(), v[0], 4e-3, "bf16 output");
        }
        assertEquals("bfloat16", Json.readFile(out.resolve("config.json")).get("torch_dtype").asText());
        JsonNode report = Json.readFile(tmp.resolve("report.json"));
        assertEquals(3, report.get("weights").size());
        assertEquals(model("ft-a"), report.get("models").get(1).get("path").asText());
    }

    @Test
    void aScoredMixIsRedoneFromItsFolder(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("mixed"), again = tmp.resolve("again");
        CliRun r = CliRun.of("mix", model("base"), model("ft-a"), model("ft-b"), "--data", model("examples.jsonl"),
                "--dtype", "bf16", "--output", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode record = Json.readFile(out.resolve("cocktail.json"));
        assertEquals(3, record.get("scoring").get("losses").size());
        assertEquals(5.0, record.get("scoring").get("temperature").asDouble(), "the default temperature");
        CliRun redo = CliRun.of("merge", out.resolve("cocktail.json").toString(), again.toString());
        assertEquals(0, redo.status(), redo.err());
        assertEquals(-1, Files.mismatch(out.resolve("model.safetensors"), again.resolve("model.safetensors")));
        assertEquals(Files.readString(out.resolve("cocktail.json")), Files.readString(again.resolve("cocktail.json")));
    }

    @Test
    void errorsExitTwoWithOneSentenceAndWriteNothing(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("mixed");
        String[][] bad = {
                {"mix", model("base"), model("ft-a"), "--weights", "0.5,0.3,0.2", "--output", out.toString()},
                {"mix", model("base"), model("ft-a"), "--weights", "0.5,0.6", "--output", out.toString()},
                {"mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", out.toString(), "--dtype", "int4"},
                {"mix", model("base"), tmp.resolve("nowhere").toString(), "--weights", "0.5,0.5", "--output", out.toString()},
                {"mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", out.toString(), "--finetuned", model("ft-a")},
                {"mix", model("base"), CliRun.testdata("cocktail-encoder/base").toString(), "--weights", "0.5,0.5", "--output", out.toString()},
                {"mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", model("base")},
        };
        for (String[] args : bad) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
            assertTrue(r.err().startsWith("cocktail: "), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out), String.join(" ", args));
        }
        CliRun size = CliRun.of("mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", out.toString(),
                "--shard-size", "lots");
        assertEquals(2, size.status());
        assertTrue(size.err().contains("'lots' is not a size like 5GB"), size.err());
        assertFalse(Files.exists(out));
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no temporary directories");
        }
    }

    @Test
    void refusesAnExistingOutputUnlessForced(@TempDir Path tmp) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("mixed"));
        String[] args = {"mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", out.toString()};
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--force"), r.err());
        CliRun forced = CliRun.of(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--force"))
                .toArray(String[]::new));
        assertEquals(0, forced.status(), forced.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }
}
