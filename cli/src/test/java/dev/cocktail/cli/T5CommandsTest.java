package dev.cocktail.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** forward, mix and extrapolate on the T5 fixtures (testdata/t5, testdata/cocktail-seq2seq). */
class T5CommandsTest {

    private static long id(Tensor t, long i) {
        return t.data().get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i);
    }

    /** Row b of an I64 [batch, n] tensor up to the first `stop` (or its end), comma-separated. */
    private static String row(Tensor t, int b, long stop, long[] length) {
        long n = t.shape()[1];
        StringJoiner out = new StringJoiner(",");
        int count = 0;
        for (long i = 0; i < n && id(t, b * n + i) != stop; i++, count++) out.add(Long.toString(id(t, b * n + i)));
        length[0] = count;
        return out.toString();
    }

    @Test
    void forwardWritesTheTargetsLogitsAndLoss(@TempDir Path dir) throws IOException {
        String name = "tiny-t5-relu";
        int b = 1;
        JsonNode expected = Json.readFile(CliRun.testdata("t5/expected.json")).get("models").get(name);
        try (Checkpoint ref = Checkpoint.openFile(CliRun.testdata("t5/expected.safetensors"))) {
            long[] inputLength = new long[1], targetLength = new long[1];
            String ids = row(ref.require(name + ".input_ids"), b, 0, inputLength);
            String target = row(ref.require(name + ".labels"), b, -100, targetLength);
            Path out = dir.resolve("logits.safetensors");
            CliRun r = CliRun.of("forward", CliRun.testdata("t5/" + name).toString(), "--ids", ids, "--target-ids", target,
                    "--logits-out", out.toString(), "--json");
            assertEquals(0, r.status(), r.err());
            JsonNode j = Json.MAPPER.readTree(r.out());
            assertEquals(inputLength[0], j.get("tokens").asLong());
            assertEquals(targetLength[0], j.get("target_tokens").asLong());
            assertEquals(expected.get("per_example_loss").get(b).asDouble(), j.get("loss").asDouble(), 1e-5);
            Tensor want = ref.require(name + ".logits");
            int t = (int) want.shape()[1], vocab = (int) want.shape()[2];
            try (Checkpoint written = Checkpoint.openFile(out)) {
                Tensor got = written.require("logits");
                assertEquals("[" + targetLength[0] + ", " + vocab + "]", got.shapeString());
                float[] a = new float[(int) got.elementCount()], w = new float[a.length];
                got.toF32(0, a, 0, a.length);
                want.toF32((long) b * t * vocab, w, 0, w.length);
                for (int i = 0; i < a.length; i++) assertEquals(w[i], a[i], 1e-4, "logit " + i);
            }
        }
    }

    /** --target tokenizes with the model's Unigram tokenizer (eos appended): example 0's loss alone. */
    @Test
    void forwardWithATargetText() throws IOException {
        JsonNode ex = Json.readFile(CliRun.testdata("cocktail-seq2seq/expected.json")).get("examples").get(0);
        StringJoiner ids = new StringJoiner(",");
        ex.get("input_ids").forEach(i -> ids.add(i.asText()));
        CliRun r = CliRun.of("forward", seq2seq("base"), "--ids", ids.toString(), "--target", "Paris is the capital of France.", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(ex.get("labels").size(), j.get("target_tokens").asInt());
        try (Checkpoint ref = Checkpoint.openFile(CliRun.testdata("cocktail-seq2seq/expected.safetensors"))) {
            Tensor nll = ref.require("base.ex0.token_nll");
            float[] v = new float[(int) nll.elementCount()];
            nll.toF32(0, v, 0, v.length);
            double mean = 0;
            for (float x : v) mean += x / v.length;
            assertEquals(mean, j.get("loss").asDouble(), 1e-5);
        }
    }

    @Test
    void forwardErrorsAreOneSentence() {
        String t5 = CliRun.testdata("t5/tiny-flan-gated").toString();
        String[][] bad = {
                {"forward", t5, "--ids", "5,6,1"},
                {"forward", t5, "--ids", "5,6,1", "--target-ids", "4,x"},
                {"forward", t5, "--ids", "5,6,1", "--target-ids", "4,100000"},
                {"forward", CliRun.testdata("llama/tiny-mha-f32").toString(), "--ids", "1,5", "--target-ids", "4,1"},
        };
        for (String[] args : bad) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    private static String seq2seq(String m) {
        return CliRun.testdata("cocktail-seq2seq/" + m).toString();
    }

    private static Set<String> names(Path dir) {
        try (Checkpoint c = Checkpoint.open(dir)) {
            return new TreeSet<>(c.names());
        }
    }

    /** LM-Cocktail's merge_param with the fixture's weights: the first values of four tensors within 1e-6; layout and files kept. */
    @Test
    void mixKeepsTheLayoutAndMatchesLmCocktail(@TempDir Path tmp) {
        JsonNode merge = Json.readFile(CliRun.testdata("cocktail-seq2seq/expected.json")).get("merge");
        JsonNode w = merge.get("weights");
        Path out = tmp.resolve("mixed");
        CliRun r = CliRun.of("mix", seq2seq("base"), seq2seq("ft-a"), seq2seq("ft-b"), "--weights",
                w.get(0).asText() + "," + w.get(1).asText() + "," + w.get(2).asText(), "--output", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(names(CliRun.testdata("cocktail-seq2seq/base")), names(out));
        try (Checkpoint ck = Checkpoint.open(out)) {
            for (var e : merge.get("tensors").properties()) {
                float[] v = new float[8];
                ck.require(e.getKey()).toF32(0, v, 0, 8);
                for (int i = 0; i < 8; i++) assertEquals(e.getValue().get("first8").get(i).asDouble(), v[i], 1e-6, e.getKey() + " " + i);
            }
        }
        for (String f : new String[] {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertFalse(Files.exists(out.resolve("modules.json")), "a T5 is no sentence-transformers model");
    }

    /**
     * mix --data with the defaults, the type from config.json: LM-Cocktail's weights and merged
     * values within 1e-6; eval of the merge gives the fixture's merged-model loss, and generates.
     */
    @Test
    void mixWithDataThenEval(@TempDir Path tmp) throws IOException {
        JsonNode merge = Json.readFile(CliRun.testdata("cocktail-seq2seq/expected.json")).get("merge");
        Path out = tmp.resolve("mixed"), report = tmp.resolve("report.json");
        String data = CliRun.testdata("cocktail-seq2seq/examples.jsonl").toString();
        CliRun r = CliRun.of("mix", seq2seq("base"), seq2seq("ft-a"), seq2seq("ft-b"), "--data", data,
                "--output", out.toString(), "--report", report.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("encoder-decoder scoring"), r.out());
        JsonNode weights = Json.readFile(report).get("weights");
        for (int i = 0; i < 3; i++) assertEquals(merge.get("weights").get(i).asDouble(), weights.get(i).asDouble(), 1e-6, "weight " + i);
        try (Checkpoint ck = Checkpoint.open(out)) {
            for (var e : merge.get("tensors").properties()) {
                float[] v = new float[8];
                ck.require(e.getKey()).toF32(0, v, 0, 8);
                for (int i = 0; i < 8; i++) assertEquals(e.getValue().get("first8").get(i).asDouble(), v[i], 1e-6, e.getKey() + " " + i);
            }
        }
        CliRun eval = CliRun.of("eval", out.toString(), "--data", data, "--generate", "--max-new-tokens", "4", "--json");
        assertEquals(0, eval.status(), eval.err());
        JsonNode j = Json.MAPPER.readTree(eval.out());
        assertEquals(merge.get("merged_model_loss_default_settings").asDouble(), j.get("loss").asDouble(), 1e-5);
        assertEquals(6, j.get("examples").asInt());
        assertTrue(j.has("accuracy"), eval.out());
    }

    /** A mergekit recipe over T5s: every tensor merged (lm_head and shared kept apart), the result runs. */
    @Test
    void mergeRecipe(@TempDir Path tmp) throws IOException {
        Path cfg = tmp.resolve("r.yml"), out = tmp.resolve("out");
        Files.writeString(cfg, """
                models:
                  - model: %1$s/ft-a
                    parameters: {weight: 0.5}
                  - model: %1$s/ft-b
                    parameters: {weight: 0.5}
                merge_method: linear
                dtype: float32
                """.formatted(CliRun.testdata("cocktail-seq2seq")));
        CliRun r = CliRun.of("merge", cfg.toString(), "--output", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(names(CliRun.testdata("cocktail-seq2seq/base")), names(out));
        JsonNode inputs = Json.readFile(CliRun.testdata("cocktail-seq2seq/expected.json")).get("merge").get("tensors");
        try (Checkpoint ck = Checkpoint.open(out)) {
            for (String name : new String[] {"lm_head.weight", "shared.weight"}) {
                float[] v = new float[8];
                ck.require(name).toF32(0, v, 0, 8);
                JsonNode in = inputs.get(name).get("inputs_first8");
                for (int i = 0; i < 8; i++) {
                    assertEquals((in.get("ft-a").get(i).asDouble() + in.get("ft-b").get(i).asDouble()) / 2, v[i], 1e-6, name + " " + i);
                }
            }
        }
        assertEquals(0, CliRun.of("forward", out.toString(), "--ids", "5,6,1", "--target-ids", "7,1").status());
    }

    /**
     * An original T5 (tied: shared.weight only, no lm_head, a stale cross-attention bias) stays so
     * when merged or extrapolated, and its SentencePiece model (spiece.model) goes with it.
     */
    @Test
    void tiedT5StaysTied(@TempDir Path tmp) throws IOException {
        Path copy = Files.createDirectories(tmp.resolve("tiny-t5-relu"));
        try (var files = Files.list(CliRun.testdata("t5/tiny-t5-relu"))) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, copy.resolve(f.getFileName()));
        }
        Files.writeString(copy.resolve("spiece.model"), "stands for the SentencePiece model the slow T5Tokenizer reads");
        String relu = copy.toString();
        Path mixed = tmp.resolve("mixed"), expo = tmp.resolve("expo");
        assertEquals(0, CliRun.of("mix", relu, relu, "--weights", "0.5,0.5", "--output", mixed.toString()).status());
        assertEquals(0, CliRun.of("extrapolate", "--base", relu, relu, "--alpha", "0.3", "--output", expo.toString()).status());
        Set<String> want = names(CliRun.testdata("t5/tiny-t5-relu"));
        assertFalse(want.contains("lm_head.weight"));
        assertEquals(want, names(mixed));
        assertEquals(want, names(expo));
        assertEquals(Files.readString(copy.resolve("spiece.model")), Files.readString(mixed.resolve("spiece.model")));
        CliRun f = CliRun.of("forward", mixed.toString(), "--ids", "5,6,7,1", "--target-ids", "8,9,1", "--json");
        CliRun g = CliRun.of("forward", relu, "--ids", "5,6,7,1", "--target-ids", "8,9,1", "--json");
        assertEquals(0, f.status(), f.err());
        assertEquals(g.out(), f.out(), "the mix of a model with itself is that model");
    }
}
