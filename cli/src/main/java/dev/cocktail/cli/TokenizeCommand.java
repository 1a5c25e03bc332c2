package dev.cocktail.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", description = "Show the token ids and tokens a model's tokenizer.json gives for text.")
final class TokenizeCommand implements Runnable {
    @Parameters(paramLabel = "TOKENIZER_OR_MODEL", description = "A tokenizer.json, or the model directory holding it.")
    Path tokenizer;

    static final class Input {
        @Option(names = "--text", paramLabel = "T", description = "The text to tokenize.")
        String text;

        @Option(names = "--input", paramLabel = "FILE.jsonl", description = "One {\"text\": ...} object per line.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--no-special", description = "Do not add special tokens (such as <s> or [CLS]).")
    boolean noSpecial;

    @Option(names = "--json", description = "Print one {\"ids\": [..], \"tokens\": [..]} object per text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        Tokenizer t = Tokenizer.load(tokenizer);
        List<String> texts = input.text != null ? List.of(input.text) : readTexts(input.file);
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = t.encode(texts.get(i), !noSpecial);
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode ids = o.putArray("ids");
            for (int id : e.ids()) ids.add(id);
            ArrayNode tokens = o.putArray("tokens");
            e.tokens().forEach(tokens::add);
            if (json) {
                out.println(o);
            } else {
                if (i > 0) out.println();
                // Tokens are JSON-quoted so that spaces, newlines and controls inside them stay visible.
                out.println("ids     " + ids);
                out.println("tokens  " + tokens);
            }
        }
        out.flush();
    }

    private static List<String> readTexts(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + CocktailException.reason(e) + ")", e);
        }
        List<String> texts = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) continue;
            JsonNode line;
            try {
                line = Json.MAPPER.readTree(lines.get(n));
            } catch (IOException e) {
                throw new CocktailException(file + " line " + (n + 1) + ": not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            JsonNode text = line.get("text");
            if (text == null || !text.isTextual()) throw new CocktailException(file + " line " + (n + 1) + ": no \"text\" string");
            texts.add(text.asText());
        }
        return texts;
    }
}
