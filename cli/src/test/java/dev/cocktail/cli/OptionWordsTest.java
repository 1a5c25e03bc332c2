package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library messages name settings in words, for Java callers; the command line shows its options in their place. */
class OptionWordsTest {
    static String model(String m) {
        return CliRun.testdata("cocktail-decoder/" + m).toString();
    }

    /** A library problem as the command line prints it. */
    static String err(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.err());
        return r.err().strip();
    }

    @Test
    void theCommandLineNamesItsOptions(@TempDir Path tmp) throws IOException {
        String out = tmp.resolve("out").toString();
        assertTrue(err("mix", model("base"), model("ft-a"), "--weights", "0.5,0.6", "--output", out)
                .endsWith(", not 1; fix them or pass --allow-unnormalized."), "Mix's weight check");
        assertEquals("cocktail: --alpha must be between 0 and 1 for the two-step recipe, got 1.5.",
                err("mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--finetuned", model("ft-b"), "--alpha", "1.5", "--output", out));
        assertEquals("cocktail: --temperature must be a positive number, not 0.0.",
                err("score", model("base"), model("ft-a"), "--data", model("examples.jsonl"), "--temperature", "0"));
        Files.createDirectories(tmp.resolve("out"));
        assertEquals("cocktail: output " + out + " already exists; use --force to replace it.",
                err("mix", model("base"), model("ft-a"), "--weights", "0.5,0.5", "--output", out));
    }

    @Test
    void theLibraryKeepsItsWords() {
        CocktailException e = CocktailException.about("the batch size", "the batch size must be at least 1, not 0.");
        assertEquals("the batch size must be at least 1, not 0.", e.getMessage());
        assertEquals("--batch-size must be at least 1, not 0.", OptionWords.message(e));
        CocktailException plain = new CocktailException("the batch size must be at least 1, not 0.");
        assertEquals(plain.getMessage(), OptionWords.message(plain), "only a setting the message declares is replaced");
    }

    /** What every library module throws: no command line option in the message's text. */
    @Test
    void noLibraryMessageNamesAnOption() throws IOException {
        Path root = CliRun.testdata("").getParent();
        Pattern thrown = Pattern.compile("CocktailException(\\.about)?\\((.*?)\\);\\s*$", Pattern.DOTALL | Pattern.MULTILINE);
        Pattern option = Pattern.compile("\"[^\"\\n]*--[a-z]");
        List<String> found = new ArrayList<>();
        for (String module : List.of("engine", "tokenizer", "models", "merge", "search", "api")) {
            Path src = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = thrown.matcher(Files.readString(f));
                    while (m.find()) if (option.matcher(m.group(2)).find()) found.add(root.relativize(f) + ": " + m.group(2).strip());
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
