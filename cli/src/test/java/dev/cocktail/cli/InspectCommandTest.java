package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InspectCommandTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "llama/tiny-mha-f32, LlamaForCausalLM, llama, 1, F32",
            "llama/tiny-gqa-bf16, LlamaForCausalLM, llama, 1, BF16",
            "llama/tiny-tied-f16, LlamaForCausalLM, llama, 1, F16",
            "llama/tiny-sharded, LlamaForCausalLM, llama, 2, F32",
            "llama/tiny-rope-llama3, LlamaForCausalLM, llama, 1, F32",
            "bert/tiny-bert, BertModel, bert, 1, F16",
            "bert/tiny-bert-prefixed, BertForMaskedLM, bert, 1, F16",
            "cocktail-decoder/ft-a, LlamaForCausalLM, llama, 1, F32",
            "cocktail-encoder/ft-b, BertModel, bert, 1, F32"})
    void describesEveryFixtureModel(String model, String arch, String type, int shards, String dtype) throws IOException {
        CliRun r = CliRun.of("inspect", "--json", CliRun.testdata(model).toString());
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(arch, j.get("architecture").asText());
        assertEquals(type, j.get("model_type").asText());
        assertEquals(shards, j.get("shards").asInt());
        assertTrue(j.get("bytes_by_dtype").has(dtype), r.out());
        assertTrue(j.get("parameters").asLong() > 0);
        CliRun text = CliRun.of("--verbose", "inspect", CliRun.testdata(model).toString());
        assertEquals(0, text.status(), text.err());
        assertEquals(5 + 1 + j.get("tensors").asInt() + 1, text.out().lines().count(), "header, one dtype line, one line per tensor");
    }

    @Test
    void demoModelHasTheDocumentedSize() throws IOException {
        CliRun r = CliRun.of("inspect", "--json", CliRun.examples("models/base").toString());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(813_184, j.get("parameters").asLong());
        assertEquals(39, j.get("tensors").asInt());
    }

    @Test
    void badInputIsOneSentenceAndStatusTwo(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(CliRun.testdata("llama/tiny-mha-f32/config.json"), dir.resolve("config.json"));
        byte[] good = Files.readAllBytes(CliRun.testdata("llama/tiny-mha-f32/model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(good, good.length - 3));
        for (String[] args : new String[][] {
                {"inspect", dir.toString()},
                {"inspect", tmp.resolve("missing").toString()},
                {"inspect", "some-org/not-cached-model"}}) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.status(), r.err());
            assertEquals("", r.out());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("cocktail: "), r.err());
        }
        assertTrue(CliRun.of("inspect", dir.toString()).err().contains("model.safetensors: not a valid safetensors file"));
    }

    @Test
    void versionAndHelp() {
        CliRun v = CliRun.of("--version");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("cocktail 0."), v.out());
        CliRun h = CliRun.of("--help");
        assertEquals(0, h.status());
        assertTrue(h.out().contains("inspect"), h.out());
        for (String command : new String[] {"inspect", "mix", "merge", "extrapolate", "eval", "score", "forward", "embed", "tokenize"}) {
            assertTrue(h.out().contains("\n  " + command + " "), command + " missing from the usage: " + h.out());
            CliRun sub = CliRun.of(command, "--help");
            assertEquals(0, sub.status(), command + " --help: " + sub.err());
            assertTrue(sub.out().startsWith("Usage: cocktail " + command), sub.out());
        }
        // only the subcommand named is built; the root's options may come before its name
        CliRun verbose = CliRun.of("--verbose", "merge", "--help");
        assertEquals(0, verbose.status(), verbose.err());
        assertTrue(verbose.out().startsWith("Usage: cocktail merge"), verbose.out());
        CliRun typo = CliRun.of("mrege", "x.yml");
        assertEquals(2, typo.status(), typo.err());
        assertTrue(typo.err().contains("Unmatched arguments") && typo.err().contains("Did you mean: cocktail "), typo.err());
    }
}
