package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Json;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What users bring from other tools: help, stdin as -, short parse errors, comma lists, --threads, json fields. */
class CommandLineHabitsTest {
    static final String BASE = CliRun.examples("models/base").toString();

    @Test
    void helpCommandAndExamplesInEveryCommandsHelp() {
        CliRun help = CliRun.of("help", "mix");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().startsWith("Usage: cocktail mix"), help.out());
        for (Class<?> c : Cocktail.SUBCOMMANDS) {
            String name = c.getAnnotation(picocli.CommandLine.Command.class).name();
            if (name.equals("help") || name.equals("generate-completion")) continue;
            CliRun h = CliRun.of(name, "--help");
            assertTrue(h.out().contains("Examples:\n  cocktail " + name + " "), name + " --help has no examples: " + h.out());
        }
    }

    @Test
    void parseErrorsAreOneSentenceAndPointToHelp() {
        CliRun r = CliRun.of("mix", BASE, "--wieghts", "0.5,0.5", "--output", "/tmp/never");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("cocktail: Unknown option: '--wieghts'; see 'cocktail mix --help'.\n"), r.err());
        assertTrue(!r.err().contains("Usage:"), "no whole usage: " + r.err());
    }

    @Test
    void weightsSeparatedBySpacesAreRefusedWithTheCommaForm(@TempDir Path tmp) {
        CliRun r = CliRun.of("mix", BASE, BASE, "--weights", "0.5", "0.5", "--output", tmp.resolve("out").toString());
        assertEquals(2, r.status());
        assertEquals("cocktail: --weights takes one comma-separated list, such as --weights 0.5,0.5 ('0.5' is not a model).\n", r.err());
    }

    @Test
    void threadsMustBePositive() {
        CliRun r = CliRun.of("inspect", BASE, "--threads", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("cocktail: --threads must be 1 or more, not 0; see"), r.err());
    }

    @Test
    void dashReadsStandardInputAndJsonNamesTheModel() throws Exception {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream("{\"input\": \"sort 3 1 2\", \"output\": \"1 2 3\"}\n".getBytes(StandardCharsets.UTF_8)));
            CliRun eval = CliRun.of("eval", BASE, "--data", "-", "--json");
            assertEquals(0, eval.status(), eval.err());
            JsonNode e = Json.MAPPER.readTree(eval.out());
            assertEquals(BASE, e.get("model").asText());
            assertEquals(1, e.get("examples").asInt());

            System.setIn(new ByteArrayInputStream("\"add 1 2\"\n{\"text\": \"sort 9 8\"}\n".getBytes(StandardCharsets.UTF_8)));
            CliRun tok = CliRun.of("tokenize", BASE, "--input", "-", "--json");
            assertEquals(0, tok.status(), tok.err());
            assertEquals(2, tok.out().lines().count(), "one object per text, strings and objects alike: " + tok.out());
        } finally {
            System.setIn(saved);
        }
        CliRun both = CliRun.of("tokenize", BASE, "--text", "add 1 2", "sort 9 8", "--json");
        assertEquals(2, both.out().lines().count(), "--text takes several texts, as embed's: " + both.out());
        JsonNode inspect = Json.MAPPER.readTree(CliRun.of("inspect", BASE, "--json").out());
        assertEquals(BASE, inspect.get("model").asText());
    }

    @Test
    void mergeTakesItsOutputAsSecondArgumentAsMergekitYamlDoes(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("ties"), recipe = tmp.resolve("ties.yml");
        java.nio.file.Files.writeString(recipe, java.nio.file.Files.readString(CliRun.examples("ties.yml"))
                .replace("examples/models/", CliRun.examples("models") + "/"));
        CliRun r = CliRun.of("merge", recipe.toString(), out.toString(), "--copy-tokenizer", "--allow-crimes",
                "--lazy-unpickle", "--cuda");
        assertEquals(0, r.status(), r.err());
        assertTrue(java.nio.file.Files.exists(out.resolve("model.safetensors")), r.out());
        assertEquals("cocktail: --cuda: no GPU is used; the merge runs on the CPU.\n", r.err());
        CliRun none = CliRun.of("merge", recipe.toString());
        assertEquals(2, none.status());
        assertEquals("cocktail: give the output directory: --output DIR.\n", none.err());
        CliRun two = CliRun.of("merge", recipe.toString(), out.toString(), "--output", tmp.resolve("other").toString());
        assertEquals(2, two.status());
        assertTrue(two.err().startsWith("cocktail: two output directories: "), two.err());
    }

    @Test
    void outShardSizeCountsParametersAsMergekitDoes(@TempDir Path tmp) throws Exception {
        Path recipe = tmp.resolve("ties.yml");
        java.nio.file.Files.writeString(recipe, java.nio.file.Files.readString(CliRun.examples("ties.yml"))
                .replace("examples/models/", CliRun.examples("models") + "/"));
        // the demo merges to BF16: 100K parameters a shard are 200 KB a shard
        CliRun params = CliRun.of("merge", recipe.toString(), tmp.resolve("params").toString(), "--out-shard-size", "100K");
        CliRun bytes = CliRun.of("merge", recipe.toString(), tmp.resolve("bytes").toString(), "--shard-size", "200KB");
        assertEquals(0, params.status(), params.err());
        assertEquals(0, bytes.status(), bytes.err());
        String index = "model.safetensors.index.json";
        assertTrue(java.nio.file.Files.exists(tmp.resolve("params").resolve(index)), "sharded");
        assertEquals(java.nio.file.Files.readString(tmp.resolve("bytes").resolve(index)),
                java.nio.file.Files.readString(tmp.resolve("params").resolve(index)));
        CliRun bad = CliRun.of("merge", recipe.toString(), tmp.resolve("x").toString(), "--out-shard-size", "5GB");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("'5GB' is not a count like 5B, 500M or 1000"), bad.err());
    }
}
