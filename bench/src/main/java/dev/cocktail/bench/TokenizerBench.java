package dev.cocktail.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Encoding throughput, ours against the Rust tokenizers library (DJL, single thread: one text per call)
 * on about 2 MB of mixed text: the tokenizer corpus (prose, code, many scripts, emoji) joined into
 * 4 kB chunks and repeated. One operation encodes every chunk with special tokens; MB/s is
 * {@link #MEGABYTES} divided by the time per operation. Run from the repository root (the tokenizers are
 * read from tokenizer/src/test/resources/tokenizers, or -Dcocktail.tokenizers=DIR).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TokenizerBench {
    /** Text per operation, in MB of UTF-8. */
    static final double MEGABYTES = 2.0;

    @Param({"llama3", "bert-base-uncased", "xlmr-unigram"})
    String tokenizer;

    List<String> chunks;
    Tokenizer ours;
    HuggingFaceTokenizer rust;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path fixtures = Path.of(System.getProperty("cocktail.tokenizers", "tokenizer/src/test/resources/tokenizers"));
        Path dir = Files.createTempDirectory("tokenizer-bench");
        Path json = dir.resolve("tokenizer.json");
        Path source = fixtures.resolve(tokenizer);
        if (Files.exists(source.resolve("tokenizer.json"))) {
            Files.copy(source.resolve("tokenizer.json"), json);
        } else {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(source.resolve("tokenizer.json.gz")))) {
                Files.copy(in, json);
            }
        }
        ours = Tokenizer.load(json);
        rust = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"));
        chunks = chunks(fixtures.resolve("corpus.jsonl"));
    }

    /** The corpus texts joined by newlines into chunks of about 4 kB, repeated up to MEGABYTES. */
    static List<String> chunks(Path corpus) throws IOException {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(corpus)) {
            if (!line.isBlank()) texts.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("text").asText());
        }
        List<String> out = new ArrayList<>();
        long bytes = 0;
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; bytes < MEGABYTES * 1_000_000; i++) {
            chunk.append(texts.get(i % texts.size())).append('\n');
            if (chunk.length() >= 4096) {
                String s = chunk.toString();
                bytes += s.getBytes(StandardCharsets.UTF_8).length;
                out.add(s);
                chunk.setLength(0);
            }
        }
        return out;
    }

    @TearDown(Level.Trial)
    public void close() {
        rust.close();
    }

    @Benchmark
    public long ours() {
        long n = 0;
        for (String s : chunks) n += ours.encode(s, true).ids().length;
        return n;
    }

    @Benchmark
    public long rust() {
        long n = 0;
        for (String s : chunks) n += rust.encode(s, true, false).getIds().length;
        return n;
    }
}
