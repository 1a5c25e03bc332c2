package dev.cocktail.models;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Few-shot example files: JSON Lines, or one JSON array, of objects (or of strings, for texts to embed). */
public final class Examples {
    private Examples() {}

    /** A decoder example: the prompt and the answer the model should give. */
    public record Decoder(String input, String output) {}

    /** An encoder example: a query, its relevant passages, and irrelevant ones. */
    public record Encoder(String query, List<String> pos, List<String> neg) {}

    public static List<Decoder> decoder(Path file) {
        List<Decoder> out = new ArrayList<>();
        for (Located e : read(file)) out.add(new Decoder(e.text("input"), e.text("output")));
        return out;
    }

    public static List<Encoder> encoder(Path file) {
        List<Encoder> out = new ArrayList<>();
        for (Located e : read(file)) out.add(new Encoder(e.text("query"), e.texts("pos"), e.texts("neg")));
        return out;
    }

    /** Texts to embed: each line (or array element) a JSON string or an object with "text". */
    public static List<String> texts(Path file) {
        List<String> out = new ArrayList<>();
        for (Located e : read(file)) out.add(e.node().isTextual() ? e.node().textValue() : e.text("text"));
        return out;
    }

    /** An example object and where it is, for messages. */
    private record Located(JsonNode node, String where) {
        String text(String key) {
            JsonNode v = node.isObject() ? node.get(key) : null;
            if (v == null || !v.isTextual()) throw new CocktailException(where + ": \"" + key + "\" is missing or not a string.");
            return v.textValue();
        }

        List<String> texts(String key) {
            JsonNode v = node.isObject() ? node.get(key) : null;
            if (v == null || !v.isArray()) throw new CocktailException(where + ": \"" + key + "\" is missing or not a list of strings.");
            List<String> out = new ArrayList<>();
            for (JsonNode s : v) {
                if (!s.isTextual()) throw new CocktailException(where + ": \"" + key + "\" holds something that is not a string.");
                out.add(s.textValue());
            }
            return out;
        }
    }

    /**
     * Standard input's text, read once from each System.in: it cannot be read again, and scoring
     * reads its examples once per model.
     */
    private static String stdin;
    private static InputStream stdinRead;

    /** "-" is standard input, as for most command-line tools. */
    private static List<Located> read(Path path) {
        boolean fromStdin = path.toString().equals("-");
        String file = fromStdin ? "standard input" : path.toString();
        String text;
        try {
            text = fromStdin ? stdin() : Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new CocktailException(file + ": no such file.");
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + e.getMessage() + ").", e);
        }
        List<Located> out = new ArrayList<>();
        if (text.stripLeading().startsWith("[")) {
            JsonNode array = parse(text, file);
            for (int i = 0; i < array.size(); i++) out.add(object(array.get(i), file + ": example " + (i + 1)));
        } else {
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                String where = file + ": line " + (i + 1);
                out.add(object(parse(lines[i], where), where));
            }
        }
        if (out.isEmpty()) throw new CocktailException(file + ": holds no examples.");
        return out;
    }

    private static synchronized String stdin() throws IOException {
        if (stdinRead != System.in) {
            stdin = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            stdinRead = System.in;
        }
        return stdin;
    }

    private static JsonNode parse(String json, String where) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            String msg = e.getOriginalMessage();
            throw new CocktailException(where + ": is not valid JSON (" + (msg == null ? "unreadable" : msg.lines().findFirst().orElse("")) + ").");
        }
    }

    private static Located object(JsonNode n, String where) {
        if (n == null || !(n.isObject() || n.isTextual())) throw new CocktailException(where + ": is not a JSON object.");
        return new Located(n, where);
    }
}
