package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * score, mix --data and embed on XLM-RoBERTa models: testdata/cocktail-reranker's losses, weights and
 * merged tensors through the command line, and testdata/xlmr's embeddings.
 */
class XlmrCommandsTest {
    static final List<String> MODELS = List.of("base", "ft-a", "ft-b");
    static final JsonNode EXPECTED = Json.readFile(CliRun.testdata("cocktail-reranker/expected.json"));

    static List<String> models() {
        return MODELS.stream().map(m -> CliRun.testdata("cocktail-reranker/" + m).toString()).toList();
    }

    static List<String> args(String command, String... more) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(models());
        a.addAll(List.of(more));
        return a;
    }

    static final String DATA = CliRun.testdata("cocktail-reranker/examples.jsonl").toString();

    @Test
    void scoreTakesTheRerankerTypeFromConfig() throws IOException {
        JsonNode c = EXPECTED.get("cases").get(0);
        CliRun r = CliRun.of(args("score", "--data", DATA, "--neg-number", "3", "--max-length", "512", "--json").toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        for (int i = 0; i < 3; i++) {
            assertEquals(c.get("losses").get(MODELS.get(i)).asDouble(), j.get("models").get(i).get("loss").asDouble(), 1e-5);
            assertEquals(c.get("weights").get("5.0").get(i).asDouble(), j.get("weights").get(i).asDouble(), 1e-6);
        }
    }

    @Test
    void mixWithDataMergesTheRerankersAsTheReference(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("merged");
        CliRun r = CliRun.of(args("mix", "--data", DATA, "--neg-number", "3", "--output", out.toString()).toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("reranker scoring"), r.out());
        JsonNode merge = EXPECTED.get("merges").get("data_driven_T5");
        checkMerge(out, merge);
        for (String f : List.of("modules.json", "sentence_bert_config.json", "1_Pooling", "2_Normalize")) {
            assertFalse(Files.exists(out.resolve(f)), "a cross-encoder gets no sentence-transformers files: " + f);
        }
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        // the merged model's own loss under the default settings
        CliRun s = CliRun.of("score", out.toString(), "--data", DATA, "--neg-number", "3", "--json");
        assertEquals(0, s.status(), s.err());
        assertEquals(merge.get("merged_model_loss_default_settings").asDouble(),
                Json.MAPPER.readTree(s.out()).get("models").get(0).get("loss").asDouble(), 1e-4);
    }

    @Test
    void mixWithGivenWeights(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("merged");
        CliRun r = CliRun.of(args("mix", "--weights", "0.5,0.3,0.2", "--output", out.toString()).toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        checkMerge(out, EXPECTED.get("merges").get("given_weights"));
    }

    static void checkMerge(Path out, JsonNode merge) {
        try (Checkpoint ck = Checkpoint.open(out)) {
            int checked = 0;
            for (var e : merge.get("tensors").properties()) {
                Tensor t = ck.require(e.getKey());
                float[] got = new float[8];
                t.toF32(0, got, 0, 8);
                for (int i = 0; i < 8; i++) assertEquals(e.getValue().get("first8").get(i).asDouble(), got[i], 1e-6, e.getKey() + "[" + i + "]");
                checked++;
            }
            assertEquals(5, checked);
        }
    }

    @Test
    void embedOnXlmRoberta() throws IOException {
        JsonNode c = Json.readFile(CliRun.testdata("xlmr/expected.json")).get("cases").get("tiny-xlmr");
        List<String> a = new ArrayList<>(List.of("embed", CliRun.testdata("xlmr/tiny-xlmr").toString(), "--json", "--text"));
        for (JsonNode t : c.get("texts")) a.add(t.asText());
        CliRun cls = CliRun.of(a.toArray(String[]::new));
        assertEquals(0, cls.status(), cls.err());
        a.add(2, "--pooling");
        a.add(3, "mean");
        CliRun mean = CliRun.of(a.toArray(String[]::new));
        assertEquals(0, mean.status(), mean.err());
        try (Checkpoint ref = Checkpoint.openFile(CliRun.testdata("xlmr/expected.safetensors"))) {
            EmbedCommandTest.check(ref.require("encoder.cls_normalized"), Json.MAPPER.readTree(cls.out()).get("embeddings"));
            EmbedCommandTest.check(ref.require("encoder.mean_pooled_normalized"), Json.MAPPER.readTree(mean.out()).get("embeddings"));
        }
    }
}
