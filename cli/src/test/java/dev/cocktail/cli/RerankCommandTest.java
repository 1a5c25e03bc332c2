package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `cocktail rerank` on the testdata/xlmr rerankers: from text to the reference logits. */
class RerankCommandTest {

    static JsonNode fixture(String model) {
        return Json.readFile(CliRun.testdata("xlmr/expected.json")).get("cases").get(model);
    }

    static String model(String name) {
        return CliRun.testdata("xlmr/" + name).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-xlmr-reranker", "tiny-bert-reranker"})
    void pairsGiveTheReferenceLogits(String name, @TempDir Path dir) throws IOException {
        JsonNode c = fixture(name);
        Path input = dir.resolve("pairs.jsonl");
        StringBuilder lines = new StringBuilder();
        for (JsonNode p : c.get("pairs")) lines.append(Json.MAPPER.createObjectNode().put("query", p.get(0).asText()).put("passage", p.get(1).asText())).append('\n');
        Files.writeString(input, lines);
        CliRun r = CliRun.of("rerank", model(name), "--input", input.toString(), "--max-length", "64", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode scores = Json.MAPPER.readTree(r.out()).get("scores");
        assertEquals(c.get("logits").size(), scores.size());
        for (int i = 0; i < scores.size(); i++) assertEquals(c.get("logits").get(i).asDouble(), scores.get(i).asDouble(), 1e-4, "pair " + i);
        CliRun normalized = CliRun.of("rerank", model(name), "--input", input.toString(), "--max-length", "64", "--normalize");
        assertEquals(0, normalized.status(), normalized.err());
        List<String> out = normalized.out().lines().toList();
        for (int i = 0; i < out.size(); i++) {
            assertEquals(1 / (1 + Math.exp(-c.get("logits").get(i).asDouble())), Double.parseDouble(out.get(i)), 1e-4, "pair " + i);
        }
        CliRun whole = CliRun.of("rerank", model(name), "--input", input.toString());
        assertEquals(0, whole.status(), "by default the model's limit truncates the long pair: " + whole.err());
    }

    @Test
    void passagesArePrintedBestFirst(@TempDir Path dir) throws IOException {
        JsonNode c = fixture("tiny-bert-reranker");
        Path passages = dir.resolve("passages.txt");
        Files.writeString(passages, c.get("pairs").get(1).get(1).asText() + "\n\n" + c.get("pairs").get(0).get(1).asText() + "\n");
        CliRun r = CliRun.of("rerank", model("tiny-bert-reranker"), "--query", c.get("pairs").get(0).get(0).asText(),
                "--passages", passages.toString());
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).endsWith("\t" + c.get("pairs").get(0).get(1).asText()), r.out());
        assertEquals(c.get("logits").get(0).asDouble(), Double.parseDouble(lines.get(0).split("\t")[0]), 1e-4);
        assertEquals(c.get("logits").get(1).asDouble(), Double.parseDouble(lines.get(1).split("\t")[0]), 1e-4);
        CliRun json = CliRun.of("rerank", model("tiny-bert-reranker"), "--query", c.get("pairs").get(0).get(0).asText(),
                "--passages", passages.toString(), "--json");
        JsonNode scores = Json.MAPPER.readTree(json.out()).get("scores");
        assertEquals(c.get("logits").get(1).asDouble(), scores.get(0).asDouble(), 1e-4, "input order");
    }

    @Test
    void aPairLongerThanThePositionsIsOneSentence(@TempDir Path dir) throws IOException {
        Path passages = dir.resolve("passages.txt");
        Files.writeString(passages, "short one\n" + "word ".repeat(200) + "\n");
        CliRun r = CliRun.of("rerank", model("tiny-xlmr-reranker"), "--query", "q", "--passages", passages.toString(), "--max-length", "512");
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().matches("(?s)cocktail: pair 2 has \\d+ tokens, more than the 128 positions of .*tiny-xlmr-reranker; give --max-length 128 or less.*"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void aClassifierWithSeveralLabelsIsRefused(@TempDir Path dir) throws IOException {
        Path m = dir.resolve("two-labels");
        Files.createDirectories(m);
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(CliRun.testdata("xlmr/tiny-xlmr-reranker/" + f), m.resolve(f));
        }
        ObjectNode config = (ObjectNode) Json.readFile(CliRun.testdata("xlmr/tiny-xlmr-reranker/config.json"));
        config.putObject("id2label").put("0", "irrelevant").put("1", "relevant");
        Json.writeFile(m.resolve("config.json"), config);
        CliRun r = CliRun.of("rerank", m.toString(), "--query", "q", "--passages", CliRun.testdata("cocktail-reranker/examples.jsonl").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("config.json: a sequence classifier with 2 labels"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        CliRun encoder = CliRun.of("rerank", model("tiny-xlmr"), "--query", "q", "--passages", CliRun.testdata("cocktail-reranker/examples.jsonl").toString());
        assertEquals(2, encoder.status());
        assertTrue(encoder.err().contains("is not a reranker"), encoder.err());
    }
}
