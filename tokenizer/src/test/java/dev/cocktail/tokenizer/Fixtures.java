package dev.cocktail.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/** The test tokenizers and reference files under src/test/resources, each tokenizer loaded once. */
final class Fixtures {
    private Fixtures() {}

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();
    private static Path llama3Dir;

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    /** The directory of a reference tokenizer: bert-base-uncased, llama3 or mistral. */
    static synchronized Path dir(String name) {
        if (!name.equals("llama3")) return resource("tokenizers/" + name);
        if (llama3Dir == null) {
            // Stored gzipped (9 MB as JSON); unpacked once per test run next to its config.
            try {
                Path dir = Files.createTempDirectory("llama3-tokenizer");
                try (InputStream in = new GZIPInputStream(Files.newInputStream(resource("tokenizers/llama3/tokenizer.json.gz")))) {
                    Files.copy(in, dir.resolve("tokenizer.json"));
                }
                Files.copy(resource("tokenizers/llama3/tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
                dir.resolve("tokenizer.json").toFile().deleteOnExit();
                dir.resolve("tokenizer_config.json").toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                llama3Dir = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return llama3Dir;
    }

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> Tokenizer.load(dir(n)));
    }

    static List<JsonNode> jsonLines(Path file) {
        try {
            List<JsonNode> out = new ArrayList<>();
            // One JSON value per '\n'-terminated line; U+2028 and '\r' occur only escaped.
            for (String line : Files.readString(file).split("\n")) {
                if (!line.isEmpty()) out.add(JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        for (JsonNode n : array) out.add(n.asText());
        return out;
    }

    /** The corpus texts, in order. */
    static List<String> corpus() {
        return jsonLines(resource("tokenizers/corpus.jsonl")).stream().map(n -> n.get("text").asText()).toList();
    }
}
