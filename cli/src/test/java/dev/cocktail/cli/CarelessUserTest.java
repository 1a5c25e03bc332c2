package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a careless or hostile user tried (issue 20): outputs that would replace the working
 * directory or an input, reports over inputs, endless data files, Errors. Each is refused with one
 * sentence and status 2 before anything is written, with or without --force.
 */
class CarelessUserTest {
    @TempDir
    Path tmp;

    static String demo(String model) {
        return CliRun.examples("models/" + model).toString();
    }

    /** Runs the command, checks it failed with one sentence and wrote nothing under tmp, and returns stderr. */
    String refused(String... args) throws IOException {
        List<String> before = tree(tmp);
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("cocktail: "), r.err());
        assertEquals(before, tree(tmp), "nothing written or removed: " + r.err());
        return r.err();
    }

    static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + (Files.isDirectory(p) ? "/" : " " + p.toFile().length())).sorted().toList();
        }
    }

    static String[] mix(String... more) {
        List<String> a = new ArrayList<>(List.of("mix", demo("base"), demo("ft-sort"), "--weights", "0.5,0.5"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** --force deleted whatever --output named: "" and "." were the working directory. */
    @Test
    void neverTheWorkingDirectoryOrItsParents() throws IOException {
        List<String> cwd = tree(Path.of("").toAbsolutePath().resolve("src"));
        assertTrue(refused(mix("--output", "", "--force")).contains("--output is empty"));
        for (String dir : List.of(".", "..", Path.of("").toAbsolutePath().toString())) {
            assertTrue(refused(mix("--output", dir, "--force")).contains("is the current directory or holds it"), dir);
        }
        assertEquals(cwd, tree(Path.of("").toAbsolutePath().resolve("src")));
    }

    @Test
    void neverADirectoryHoldingTheDataTheRecipeOrTheReport() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path data = Files.copy(CliRun.examples("fewshot/sort.jsonl"), work.resolve("sort.jsonl"));
        String err = refused("mix", demo("base"), demo("ft-sort"), "--data", data.toString(), "--output", work.toString(), "--force");
        assertTrue(err.contains("contains the input " + data), err);
        Path recipe = Files.writeString(work.resolve("r.yml"), "models: [{model: " + demo("base") + "}]\nmerge_method: linear\n");
        err = refused("merge", recipe.toString(), "--output", work.toString(), "--force");
        assertTrue(err.contains("contains the input " + recipe), err);
        Path report = Files.writeString(work.resolve("report.json"), "{}");
        err = refused(mix("--report", report.toString(), "--output", work.toString(), "--force"));
        assertTrue(err.contains("contains the input " + report), err);
    }

    /** --report overwrote the data file or a model's config.json, and failed only after the merge. */
    @Test
    void theReportIsCheckedBeforeTheMerge() throws IOException {
        Path data = Files.copy(CliRun.examples("fewshot/sort.jsonl"), tmp.resolve("sort.jsonl"));
        String out = tmp.resolve("out").toString();
        String err = refused("mix", demo("base"), demo("ft-sort"), "--data", data.toString(), "--report", data.toString(), "--output", out);
        assertTrue(err.contains("--report " + data + " is the input " + data), err);
        Path config = Path.of(demo("ft-sort"), "config.json");
        err = refused(mix("--report", config.toString(), "--output", out));
        assertTrue(err.contains("lies inside the input"), err);
        err = refused(mix("--report", tmp.resolve("no/such/dir/r.json").toString(), "--output", out));
        assertTrue(err.contains("its directory does not exist"), err);
    }

    @Test
    void endlessOrBrokenDataFiles() throws IOException {
        String err = refused("score", demo("base"), "--data", "/dev/zero");
        assertTrue(err.contains("/dev/zero: line 1 is longer than 64 MB"), err);
        Path latin1 = Files.write(tmp.resolve("latin1.jsonl"), "{\"input\": \"caf\u00e9\", \"output\": \"x\"}\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        List<String> before = tree(tmp);
        err = refused("score", demo("base"), "--data", latin1.toString());
        assertTrue(err.contains("latin1.jsonl: line 1 is not valid UTF-8 (byte 15 of the line"), err);
        assertEquals(before, tree(tmp));
    }

    @Test
    void nonFiniteOptionsAreRefused() throws IOException {
        String out = tmp.resolve("out").toString();
        String err = refused("mix", demo("base"), demo("ft-sort"), "--weights", "NaN,1", "--output", out);
        assertTrue(err.contains("weight 1 is NaN"), err);
        err = refused("extrapolate", "--base", demo("base"), demo("ft-sort"), "--alpha", "1e39", "--output", out);
        assertTrue(err.contains("--alpha must be a finite float32 number"), err);
    }

    /** An Error (stack overflow, out of memory) was a stack trace with status 1. */
    @Test
    void anErrorIsOneSentenceWithStatusTwo() {
        for (Throwable e : List.of(new StackOverflowError(), new OutOfMemoryError("Java heap space"),
                new InternalError("a fault occurred in an unsafe memory access operation"), new AssertionError("boom"))) {
            StringWriter err = new StringWriter();
            assertEquals(2, Cocktail.failed(e, false, new PrintWriter(err, true)));
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertTrue(err.toString().startsWith("cocktail: "), err.toString());
            assertFalse(err.toString().contains("\tat "), err.toString());
            StringWriter verbose = new StringWriter();
            Cocktail.failed(e, true, new PrintWriter(verbose, true));
            assertTrue(verbose.toString().contains("\tat "), "--verbose keeps the trace");
        }
    }

    /** inspect --check lists the tensors holding NaN or infinity (issue 20, point 3), status 2 when any does. */
    @Test
    void inspectCheckFindsNonFiniteValues() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nan"));
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(CliRun.testdata("llama/tiny-mha-f32/" + f), dir.resolve(f));
        CliRun clean = CliRun.of("inspect", "--check", dir.toString());
        assertEquals(0, clean.status(), clean.err());
        assertTrue(clean.out().contains("check         no NaN or infinity"), clean.out());
        long at;
        try (dev.cocktail.engine.Checkpoint c = dev.cocktail.engine.Checkpoint.open(dir)) {
            at = c.require("model.norm.weight").position();
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir.resolve("model.safetensors"),
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.write(b.putFloat(Float.NaN).putFloat(Float.NEGATIVE_INFINITY).flip(), at);
        }
        CliRun found = CliRun.of("inspect", "--check", dir.toString());
        assertEquals(2, found.status(), found.err());
        assertTrue(found.out().contains("check         1 tensors hold NaN or infinity"), found.out());
        assertTrue(found.out().matches("(?s).*model\\.norm\\.weight +1 NaN, 1 infinite\n.*"), found.out());
        CliRun json = CliRun.of("inspect", "--check", "--json", dir.toString());
        assertTrue(json.out().contains("\"non_finite\":[{\"tensor\":\"model.norm.weight\",\"nan\":1,\"infinite\":1}]"), json.out());
    }
}
