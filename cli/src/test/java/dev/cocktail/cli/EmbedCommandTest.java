package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class EmbedCommandTest {

    @Test
    void clsByDefaultAndMeanOnRequest(@TempDir Path dir) throws IOException {
        List<String> texts = new ArrayList<>();
        for (JsonNode t : Json.readFile(CliRun.testdata("bert/expected.json")).get("texts")) texts.add(t.asText());
        String model = CliRun.testdata("bert/tiny-bert").toString();
        List<String> args = new ArrayList<>(List.of("embed", model, "--json", "--text"));
        args.addAll(texts);
        CliRun cls = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, cls.status(), cls.err());
        Path input = dir.resolve("texts.jsonl");
        StringBuilder lines = new StringBuilder();
        for (String t : texts) lines.append(Json.MAPPER.createObjectNode().put("text", t)).append('\n');
        Files.writeString(input, lines);
        CliRun mean = CliRun.of("embed", model, "--input", input.toString(), "--pooling", "mean", "--json");
        assertEquals(0, mean.status(), mean.err());
        try (Checkpoint ref = Checkpoint.openFile(CliRun.testdata("bert/expected.safetensors"))) {
            check(ref.require("cls_normalized"), Json.MAPPER.readTree(cls.out()).get("embeddings"));
            check(ref.require("mean_pooled_normalized"), Json.MAPPER.readTree(mean.out()).get("embeddings"));
        }
    }

    static void check(Tensor want, JsonNode got) {
        int dim = want.dim(1);
        float[] w = new float[(int) want.elementCount()];
        want.toF32(0, w, 0, w.length);
        assertEquals(want.dim(0), got.size());
        for (int i = 0; i < got.size(); i++) {
            for (int d = 0; d < dim; d++) assertEquals(w[i * dim + d], got.get(i).get(d).asDouble(), 1e-5, "text " + i + " dim " + d);
        }
    }

    @Test
    void oneInputKindAndKnownPooling() {
        String model = CliRun.testdata("bert/tiny-bert").toString();
        CliRun none = CliRun.of("embed", model);
        assertEquals(2, none.status());
        CliRun bad = CliRun.of("embed", model, "--text", "hi", "--pooling", "max");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--pooling"), bad.err());
        CliRun text = CliRun.of("embed", model, "--text", "hi", "there");
        assertEquals(0, text.status(), text.err());
        assertEquals(2, text.out().lines().count());
        assertEquals(32, text.out().lines().findFirst().orElseThrow().split(" ").length);
    }
}
