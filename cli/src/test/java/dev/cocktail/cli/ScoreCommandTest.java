package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {
    static final String[] MODELS = {"base", "ft-a", "ft-b"};

    @Test
    void decoderFixtureJson() throws IOException {
        JsonNode c = Json.readFile(CliRun.testdata("cocktail-decoder/expected.json")).get("cases").get(0);
        CliRun r = CliRun.of("score", model("base"), model("ft-a"), model("ft-b"),
                "--data", CliRun.testdata("cocktail-decoder/examples.jsonl").toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(5.0, j.get("temperature").asDouble());
        for (int i = 0; i < 3; i++) {
            assertEquals(model(MODELS[i]), j.get("models").get(i).get("path").asText());
            assertEquals(c.get("losses").get(MODELS[i]).asDouble(), j.get("models").get(i).get("loss").asDouble(), 1e-5);
            assertEquals(c.get("weights").get("5.0").get(i).asDouble(), j.get("weights").get(i).asDouble(), 1e-6);
        }
    }

    @Test
    void textReportAndOptions() {
        CliRun r = CliRun.of("score", model("base"), model("ft-a"), "--data", CliRun.testdata("cocktail-decoder/examples.jsonl").toString(),
                "--batch-size", "1", "--temperature", "1", "--type", "decoder");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("7.103436"), r.out());
        assertTrue(r.out().contains("decoder scoring, temperature 1.0"), r.out());
    }

    @Test
    void badExamplesAreOneSentence(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"input\": \"a\", \"output\": \"b\"}\n{\"input\": \"a\"}\n");
        CliRun r = CliRun.of("score", model("base"), "--data", bad.toString());
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().contains("line 2") && r.err().contains("\"output\""), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        CliRun t = CliRun.of("score", model("base"), "--data", bad.toString(), "--temperature", "0");
        assertEquals(2, t.status());
        assertTrue(t.err().contains("--temperature"), t.err());
    }

    @Test
    void encoderFixturePicksTheTypeFromConfig() throws IOException {
        JsonNode c = Json.readFile(CliRun.testdata("cocktail-encoder/expected.json")).get("cases").get(0);
        List<String> args = new ArrayList<>(List.of("score"));
        for (String m : MODELS) args.add(CliRun.testdata("cocktail-encoder/" + m).toString());
        args.addAll(List.of("--data", CliRun.testdata("cocktail-encoder/examples.jsonl").toString(), "--neg-number", "3",
                "--max-length", "512", "--json"));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        for (int i = 0; i < 3; i++) {
            assertEquals(c.get("losses").get(MODELS[i]).asDouble(), j.get("models").get(i).get("loss").asDouble(), 1e-5);
            assertEquals(c.get("weights").get("5.0").get(i).asDouble(), j.get("weights").get(i).asDouble(), 1e-6);
        }
    }

    static String model(String name) {
        return CliRun.testdata("cocktail-decoder/" + name).toString();
    }
}
