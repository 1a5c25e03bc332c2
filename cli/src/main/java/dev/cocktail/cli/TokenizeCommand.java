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

        @Option(names = "--input", paramLabel = "FILE.jsonl", description = "One {\"text\": ...} object per line; a line with \"text_pair\" too is encoded as a pair.")
        Path file;
    }

    @Option(names = "--pair", paramLabel = "T", description = "With --text: a second text, encoded with the first as a pair (as a reranker reads a query and a passage).")
    String pair;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--no-special", description = "Do not add special tokens (such as <s> or [CLS]).")
    boolean noSpecial;

    @Option(names = "--json", description = "Print one {\"ids\": [..], \"tokens\": [..]} object per text (and \"type_ids\" for a pair).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (pair != null && input.text == null) throw new CocktailException("--pair goes with --text; lines of --input carry their own \"text_pair\"");
        Tokenizer t = Tokenizer.load(tokenizer);
        List<Text> texts = input.text != null ? List.of(new Text(input.text, pair)) : readTexts(input.file);
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < texts.size(); i++) {
            Text text = texts.get(i);
            Encoding e = text.pair() == null ? t.encode(text.text(), !noSpecial) : t.encodePair(text.text(), text.pair(), !noSpecial);
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode ids = o.putArray("ids");
            for (int id : e.ids()) ids.add(id);
            ArrayNode tokens = o.putArray("tokens");
            e.tokens().forEach(tokens::add);
            ArrayNode types = text.pair() == null ? null : o.putArray("type_ids");
            if (types != null) for (int type : e.typeIds()) types.add(type);
            if (json) {
                out.println(o);
            } else {
                if (i > 0) out.println();
                // Tokens are JSON-quoted so that spaces, newlines and controls inside them stay visible.
                out.println("ids     " + ids);
                out.println("tokens  " + tokens);
                if (types != null) out.println("types   " + types);
            }
        }
        out.flush();
    }

    /** A text, or a pair of texts when pair is not null. */
    private record Text(String text, String pair) {}

    private static List<Text> readTexts(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + CocktailException.reason(e) + ")", e);
        }
        List<Text> texts = new ArrayList<>();
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
            JsonNode pair = line.get("text_pair");
            if (pair != null && !pair.isTextual()) throw new CocktailException(file + " line " + (n + 1) + ": \"text_pair\" is not a string");
            texts.add(new Text(text.asText(), pair == null ? null : pair.asText()));
        }
        return texts;
    }
}
