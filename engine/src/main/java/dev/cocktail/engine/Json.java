package dev.cocktail.engine;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** JSON reading with bounded nesting and clear errors naming the file; pretty writing. */
public final class Json {
    private Json() {}

    /** Bounded nesting, so hostile files fail fast instead of exhausting the stack. */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The file as a JSON tree; any problem is a CocktailException naming the file. */
    public static JsonNode readFile(Path file) {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            JsonNode n = MAPPER.readTree(in);
            if (n == null || n.isMissingNode()) throw new CocktailException(file + ": is empty, expected JSON.");
            return n;
        } catch (JacksonException e) {
            throw new CocktailException(file + ": is not valid JSON (" + firstLine(e.getOriginalMessage()) + ").");
        } catch (NoSuchFileException e) {
            throw new CocktailException(file + ": no such file.");
        } catch (IOException e) {
            throw new CocktailException(file + ": cannot be read (" + CocktailException.reason(e) + ").", e);
        }
    }

    public static void writeFile(Path file, JsonNode node) throws IOException {
        Files.writeString(file, MAPPER.writeValueAsString(node) + "\n");
    }

    static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
