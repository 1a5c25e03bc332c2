package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every mistake a user can make with `mix --data`: one sentence on stderr naming the problem,
 * a non-zero status, and nothing written next to the output.
 */
class MixErrorsTest {
    @TempDir
    Path tmp;

    String demo(String model) {
        return CliRun.examples("models/" + model).toString();
    }

    Path write(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    /** Runs mix into tmp/out and checks the failure shape; returns stderr. */
    String fails(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("mix"));
        all.addAll(List.of(args));
        if (!all.contains("--output")) all.addAll(List.of("--output", tmp.resolve("out").toString()));
        List<String> before = listing();
        CliRun r = CliRun.of(all.toArray(String[]::new));
        assertTrue(r.status() != 0, "must fail: " + all);
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("cocktail: ") && r.err().strip().endsWith("."), "one sentence: " + r.err());
        assertEquals(before, listing(), "nothing written");
        return r.err();
    }

    List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A MODEL+LORA is merged (LoraApplyTest), but scoring would read only its base: refused. */
    @Test
    void aModelWithALoraAdapterIsNotScored() throws IOException {
        Path lora = tmp.resolve("lora");
        CliRun x = CliRun.of("lora", "extract", demo("base"), demo("ft-sort"), "--rank", "2", "--output", lora.toString());
        assertEquals(0, x.status(), x.err());
        String err = fails(demo("base") + "+" + lora, demo("ft-count"), "--data", CliRun.examples("fewshot/sort.jsonl").toString());
        assertTrue(err.contains("+" + lora + ": a model with a LoRA adapter (MODEL+LORA) is merged but not scored"), err);
    }

    @Test
    void missingDataFile() throws IOException {
        String err = fails(demo("base"), demo("ft-sort"), "--data", tmp.resolve("nope.jsonl").toString());
        assertTrue(err.contains("nope.jsonl") && err.contains("no such file"), err);
    }

    @Test
    void emptyDataFile() throws IOException {
        Path f = write("empty.jsonl", "");
        String err = fails(demo("base"), demo("ft-sort"), "--data", f.toString());
        assertTrue(err.contains("empty.jsonl") && err.contains("no examples"), err);
    }

    @Test
    void wrongJsonKeys() throws IOException {
        Path f = write("keys.jsonl", "{\"prompt\": \"sort abc\\n\", \"completion\": \"abc\"}\n");
        String err = fails(demo("base"), demo("ft-sort"), "--data", f.toString());
        assertTrue(err.contains("keys.jsonl") && err.contains("input"), err);
    }

    @Test
    void notJson() throws IOException {
        Path f = write("bad.jsonl", "{\"input\": \"x\", \"output\": \"y\"}\nthis is not json\n");
        String err = fails(demo("base"), demo("ft-sort"), "--data", f.toString());
        assertTrue(err.contains("bad.jsonl"), err);
    }

    @Test
    void modelWithoutTokenizer() throws IOException {
        Path noTok = Files.createDirectories(tmp.resolve("notok"));
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(CliRun.examples("models/base/" + f), noTok.resolve(f));
        String err = fails(noTok.toString(), demo("ft-sort"), "--data", CliRun.examples("fewshot/sort.jsonl").toString());
        assertTrue(err.contains("notok") && err.contains("tokenizer"), err);
    }

    @Test
    void modelsOfDifferentShapes() throws IOException {
        String err = fails(demo("base"), CliRun.testdata("llama/tiny-mha-f32").toString(), "--weights", "0.5,0.5");
        assertTrue(err.contains("tiny-mha-f32"), err);
    }

    @Test
    void modelsOfDifferentShapesWithData() throws IOException {
        String err = fails(demo("base"), CliRun.testdata("llama/tiny-mha-f32").toString(), "--data",
                CliRun.examples("fewshot/sort.jsonl").toString());
        assertTrue(err.contains("tiny-mha-f32"), err);
    }

    @Test
    void fewerNegativesThanNegNumber() throws IOException {
        String enc = CliRun.testdata("cocktail-encoder/").toString() + "/";
        String err = fails(enc + "base", enc + "ft-a", "--data", CliRun.testdata("cocktail-encoder/examples.jsonl").toString(),
                "--neg-number", "5");
        assertTrue(err.contains("examples.jsonl: example 1 has 3 negatives, fewer than --neg-number 5"), err);
    }

    @Test
    void outputDirectoryExists() throws IOException {
        Files.createDirectories(tmp.resolve("out"));
        String err = fails(demo("base"), demo("ft-sort"), "--data", CliRun.examples("fewshot/sort.jsonl").toString());
        assertTrue(err.contains("already exists") && err.contains("--force"), err);
    }

    @Test
    void outputIsAnInput() throws IOException {
        String err = fails(demo("base"), demo("ft-sort"), "--weights", "0.5,0.5", "--output", demo("ft-sort"), "--force");
        assertTrue(err.contains("is the input " + demo("ft-sort")), err);
    }

    @Test
    void weightsAndDataTogetherOrNeither() throws IOException {
        assertTrue(fails(demo("base"), demo("ft-sort")).contains("--weights"));
        assertTrue(fails(demo("base"), demo("ft-sort"), "--weights", "0.5,0.5", "--data",
                CliRun.examples("fewshot/sort.jsonl").toString()).contains("not both"));
    }
}
