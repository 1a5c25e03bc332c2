package dev.cocktail.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.merge.MergekitConfig;
import dev.cocktail.models.BertConfig;
import dev.cocktail.models.Examples;
import dev.cocktail.models.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text files a user hands us — config.json, example files, mergekit recipes — as any bytes:
 * each either parses or fails with our error and a message; nothing else escapes.
 */
class InputFilesFuzzTest {

    /** Runs the parser on the bytes written to a file named `name`; only CocktailException may come out. */
    static void parse(byte[] bytes, String name, Parser parser) throws IOException {
        Path dir = Files.createTempDirectory("fuzz");
        Path f = dir.resolve(name);
        try {
            Files.write(f, bytes);
            parser.parse(f);
        } catch (CocktailException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
        } finally {
            Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        }
    }

    interface Parser {
        void parse(Path file) throws IOException;
    }

    @FuzzTest(maxDuration = "2m")
    void configJson(byte[] bytes) throws IOException {
        parse(bytes, "config.json", f -> {
            JsonNode n = Json.readFile(f);
            if (!(n instanceof ObjectNode o)) return;
            try {
                LlamaConfig.parse(o, f.toString());
            } catch (CocktailException e) {
                if (e.getMessage() == null) throw e;
            }
            BertConfig.parse(o, f.toString());
        });
    }

    @FuzzTest(maxDuration = "2m")
    void examples(byte[] bytes) throws IOException {
        parse(bytes, "examples.jsonl", f -> {
            try {
                Examples.decoder(f);
            } catch (CocktailException e) {
                if (e.getMessage() == null) throw e;
            }
            Examples.encoder(f);
        });
    }

    @FuzzTest(maxDuration = "2m")
    void mergekitYaml(byte[] bytes) throws IOException {
        parse(bytes, "recipe.yml", MergekitConfig::read);
    }
}
