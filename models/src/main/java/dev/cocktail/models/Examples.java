package dev.cocktail.models;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
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

    /** A (query, passage) pair for a reranker. */
    public record Pair(String query, String passage) {}

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

    /** Pairs to rerank: objects with "query" and "passage". */
    public static List<Pair> pairs(Path file) {
        List<Pair> out = new ArrayList<>();
        for (Located e : read(file)) out.add(new Pair(e.text("query"), e.text("passage")));
        return out;
    }

    /** Texts to embed: each line (or array element) a JSON string or an object with "text". */
    public static List<String> texts(Path file) {
        List<String> out = new ArrayList<>();
        for (Located e : read(file)) out.add(e.node().isTextual() ? e.node().textValue() : e.text("text"));
        return out;
    }

    /** A text to tokenize, and the second text of a pair (null for a single text). */
    public record Text(String text, String pair) {}

    /** Texts to tokenize: strings, or {"text"} objects, each with an optional "text_pair". */
    public static List<Text> textsAndPairs(Path file) {
        List<Text> out = new ArrayList<>();
        for (Located e : read(file)) {
            if (e.node().isTextual()) out.add(new Text(e.node().textValue(), null));
            else out.add(new Text(e.text("text"), e.node().has("text_pair") ? e.text("text_pair") : null));
        }
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
        String text = fromStdin ? stdin() : readText(path);
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

    /** A line (a JSON array file is often one) longer than this is refused rather than read until memory runs out. */
    static final int MAX_LINE_BYTES = 64 << 20;
    /** The whole file, likewise. */
    static final int MAX_FILE_BYTES = 1 << 30;

    /**
     * The file as UTF-8 text, read within the bounds above (a device such as /dev/zero never ends);
     * bytes that are not UTF-8 are an error naming the line and the byte.
     */
    static String readText(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return readText(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new CocktailException(file + ": no such file.");
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + CocktailException.reason(e) + ").", e);
        }
    }

    private static synchronized String stdin() {
        if (stdinRead != System.in) {
            try {
                stdin = readText(System.in, "standard input");
            } catch (IOException e) {
                throw new CocktailException("standard input: cannot be read (" + CocktailException.reason(e) + ").", e);
            }
            stdinRead = System.in;
        }
        return stdin;
    }

    private static String readText(InputStream in, String file) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int line = 1;
        long lineBytes = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line++;
                    lineBytes = 0;
                } else if (++lineBytes > MAX_LINE_BYTES) {
                    throw new CocktailException(file + ": line " + line + " is longer than " + (MAX_LINE_BYTES >> 20)
                            + " MB; examples are JSON objects, one per line, or one JSON array.");
                }
            }
            if (all.size() + n > MAX_FILE_BYTES) throw new CocktailException(file + ": is larger than " + (MAX_FILE_BYTES >> 20) + " MB of examples.");
            all.write(buf, 0, n);
        }
        ByteBuffer bytes = ByteBuffer.wrap(all.toByteArray());
        CharBuffer chars = CharBuffer.allocate(bytes.remaining());
        CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(bytes, chars, true);
        if (r.isError()) {
            int at = bytes.position(), badLine = 1, lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes.get(i) == '\n') {
                    badLine++;
                    lineStart = i + 1;
                }
            }
            throw new CocktailException(file + ": line " + badLine + " is not valid UTF-8 (byte " + (at - lineStart + 1)
                    + " of the line, offset " + at + " in the file).");
        }
        return chars.flip().toString();
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
