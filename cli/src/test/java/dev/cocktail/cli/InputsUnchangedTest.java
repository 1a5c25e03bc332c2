package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command reads its inputs and never writes them: same bytes, same modification times. */
class InputsUnchangedTest {

    static Map<String, String> snapshot(List<Path> roots) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (Path root : roots) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path f : s.filter(Files::isRegularFile).toList()) {
                    files.put(f.toString(), sha256(f) + " " + Files.getLastModifiedTime(f).toMillis());
                }
            }
        }
        return files;
    }

    static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyCommandLeavesItsInputsAlone(@TempDir Path tmp) throws IOException {
        String base = CliRun.examples("models/base").toString(), sort = CliRun.examples("models/ft-sort").toString();
        String count = CliRun.examples("models/ft-count").toString();
        String fewshot = CliRun.examples("fewshot/sort.jsonl").toString(), eval = CliRun.examples("eval/add.jsonl").toString();
        String enc = CliRun.testdata("cocktail-encoder").toString();
        Path recipe = Files.writeString(tmp.resolve("ties.yml"), "models:\n  - model: " + base + "\n  - model: " + sort
                + "\n    parameters: {weight: 0.5, density: 0.5}\n  - model: " + count
                + "\n    parameters: {weight: 0.5, density: 0.5}\nmerge_method: ties\nbase_model: " + base + "\n");
        String rer = CliRun.testdata("cocktail-reranker").toString();
        Path passages = Files.writeString(tmp.resolve("passages.txt"), "Paris is in France.\nThe guitar has six strings.\n");
        List<Path> inputs = List.of(CliRun.examples(""), CliRun.testdata("cocktail-encoder"), CliRun.testdata("bert/tiny-bert"), recipe,
                CliRun.testdata("cocktail-reranker"), passages);
        Map<String, String> before = snapshot(inputs);
        List<String[]> commands = List.of(
                new String[] {"inspect", base},
                new String[] {"score", base, sort, count, "--data", fewshot},
                new String[] {"score", enc + "/base", enc + "/ft-a", "--data", enc + "/examples.jsonl", "--neg-number", "3"},
                new String[] {"eval", sort, "--data", eval, "--generate"},
                new String[] {"forward", base, "--ids", "1,270,261", "--logits-out", tmp.resolve("logits.safetensors").toString()},
                new String[] {"embed", CliRun.testdata("bert/tiny-bert").toString(), "--text", "hello"},
                new String[] {"rerank", rer + "/base", "--query", "capital of France", "--passages", passages.toString()},
                new String[] {"mix", rer + "/base", rer + "/ft-a", "--data", rer + "/examples.jsonl", "--neg-number", "3", "--output", tmp.resolve("rerankers").toString()},
                new String[] {"tokenize", base, "--text", "add 1 2"},
                new String[] {"mix", base, sort, count, "--data", fewshot, "--output", tmp.resolve("mix").toString()},
                new String[] {"mix", base, sort, "--weights", "0.5,0.5", "--finetuned", sort, "--alpha", "0.5", "--output", tmp.resolve("two").toString()},
                new String[] {"merge", recipe.toString(), "--output", tmp.resolve("ties").toString()},
                new String[] {"extrapolate", "--base", base, sort, "--alpha", "0.3", "--output", tmp.resolve("expo").toString()});
        for (String[] args : commands) {
            CliRun r = CliRun.of(args);
            assertEquals(0, r.status(), String.join(" ", args) + ": " + r.err());
            assertEquals(before, snapshot(inputs), "inputs changed by: " + String.join(" ", args));
        }
    }
}
