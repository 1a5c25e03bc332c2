package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import dev.cocktail.engine.TestData;
import dev.cocktail.models.Llama;
import dev.cocktail.models.Scoring;
import dev.cocktail.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cocktail moe on the demo models: the Mixtral written, scored by our own forward pass, routed by prompts. */
class MoeMergeTest {
    static final Path MODELS = TestData.example("models");
    static final List<String> SORT = List.of("sort emk\n", "sort rhw\n", "sort bimeim\n", "sort ggyioy\n");
    static final List<String> COUNT = List.of("count j\n", "count ahawmjobw\n", "count vpz\n", "count pzwmofh\n");
    static final List<String> HELD_OUT_SORT = List.of("sort yvee\n", "sort xtifamg\n", "sort ouler\n", "sort nmdgbwn\n", "sort qiqh\n");
    static final List<String> HELD_OUT_COUNT = List.of("count efpfxfao\n", "count yrl\n", "count atkejoumx\n", "count op\n", "count hixxhen\n");

    /** models' Llama as the routers' forward pass, as the command line hands it over. */
    static LayerInputs forward(ModelDir dir) {
        Llama model = Llama.load(dir);
        return LayerInputs.of(model::layerInputs, model::close);
    }

    static Path build(Path tmp, String recipe) {
        return build(tmp, recipe, false);
    }

    static Path build(Path tmp, String recipe, boolean allowAllSame) {
        try {
            Path yml = Files.writeString(tmp.resolve("moe.yml"), recipe.replace("MODELS", MODELS.toString()));
            Path out = tmp.resolve("out");
            MoeMerge.build(new MoeMerge.Request(yml, new Output(out, true, 5_000_000_000L, false), 42, allowAllSame, MoeMergeTest::forward),
                    Progress.NONE, "test");
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Four copies of the base model's MLP behind a random router score as the base model does. */
    @Test
    void identicalExpertsWithARandomRouterScoreAsTheDenseModel(@TempDir Path tmp) throws IOException {
        Path out = build(tmp, """
                base_model: MODELS/base
                gate_mode: random
                experts_per_token: 2
                experts:
                  - source_model: MODELS/base
                  - source_model: MODELS/base
                  - source_model: MODELS/base
                  - source_model: MODELS/base
                """);
        JsonNode config = Json.readFile(out.resolve("config.json"));
        assertEquals("mixtral", config.path("model_type").asText());
        assertEquals("MixtralForCausalLM", config.path("architectures").get(0).asText());
        assertEquals(4, config.path("num_local_experts").asInt());
        assertEquals(2, config.path("num_experts_per_tok").asInt());
        assertEquals("bfloat16", config.path("torch_dtype").asText());
        assertTrue(config.get("sliding_window").isNull());
        assertEquals(10000.0, config.path("rope_theta").asDouble());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        assertTrue(Files.readString(out.resolve("README.md")).contains("mergekit-moe"));
        try (Checkpoint moe = Checkpoint.open(out); Checkpoint base = Checkpoint.open(MODELS.resolve("base"))) {
            assertFalse(moe.names().stream().anyMatch(n -> n.contains(".mlp.")));
            for (int l = 0; l < 4; l++) {
                String p = "model.layers." + l + ".block_sparse_moe.";
                assertArrayEquals(new long[] {4, 128}, moe.require(p + "gate.weight").shape());
                for (int e = 0; e < 4; e++) {
                    assertEquals(bytes(base.require("model.layers." + l + ".mlp.gate_proj.weight")), bytes(moe.require(p + "experts." + e + ".w1.weight")));
                    assertEquals(bytes(base.require("model.layers." + l + ".mlp.down_proj.weight")), bytes(moe.require(p + "experts." + e + ".w2.weight")));
                    assertEquals(bytes(base.require("model.layers." + l + ".mlp.up_proj.weight")), bytes(moe.require(p + "experts." + e + ".w3.weight")));
                }
            }
            assertEquals(bytes(base.require("model.embed_tokens.weight")), bytes(moe.require("model.embed_tokens.weight")));
        }
        for (String task : List.of("sort", "count")) {
            Scoring.Result r = Scoring.score(List.of(ModelDir.resolve(MODELS.resolve("base").toString()), ModelDir.resolve(out.toString())),
                    MODELS.getParent().resolve("fewshot").resolve(task + ".jsonl"), Scoring.Options.DEFAULTS, Progress.NONE);
            assertEquals(r.losses()[0], r.losses()[1], 1e-6, "few-shot loss on " + task);
        }
    }

    /**
     * gate_mode hidden_avg: each expert's router row is the mean over its prompts of the layer's
     * input averaged over the prompt's tokens, so that in layers 1 to 3 the prompts of a task, seen
     * and unseen, score highest with its expert (layer 0 sees only token embeddings).
     */
    @Test
    void hiddenAvgRoutesEachTasksPromptsToItsExpert(@TempDir Path tmp) {
        Path out = build(tmp, recipe("hidden_avg"));
        float[][] routers = routers(out, 2);
        try (Llama base = Llama.load(ModelDir.resolve(MODELS.resolve("base").toString()))) {
            Tokenizer tok = Tokenizer.load(MODELS.resolve("base"));
            List<List<String>> seen = List.of(SORT, COUNT), unseen = List.of(HELD_OUT_SORT, HELD_OUT_COUNT);
            for (int expert = 0; expert < 2; expert++) {
                for (String prompt : concat(seen.get(expert), unseen.get(expert))) {
                    int[] ids = tok.encode("<s>" + prompt, false).ids();
                    float[][] inputs = base.layerInputs(ids);
                    for (int l = 1; l < routers.length; l++) {
                        float[] mean = new float[128];
                        for (int r = 0; r < ids.length; r++) for (int i = 0; i < 128; i++) mean[i] += inputs[l][r * 128 + i] / ids.length;
                        assertEquals(expert, argmax(routers[l], mean, 0, 2, 128), "layer " + l + " routes '" + prompt.strip() + "'");
                    }
                }
            }
        }
        try (Checkpoint moe = Checkpoint.open(out); Checkpoint sort = Checkpoint.open(MODELS.resolve("ft-sort"))) {
            assertArrayEquals(floats(sort.require("model.layers.2.mlp.up_proj.weight")), floats(moe.require("model.layers.2.block_sparse_moe.experts.0.w3.weight")));
        }
        // and the model it makes runs: scored by our Mixtral forward pass
        Scoring.Result r = Scoring.score(List.of(ModelDir.resolve(out.toString())), MODELS.getParent().resolve("fewshot").resolve("sort.jsonl"),
                Scoring.Options.DEFAULTS, Progress.NONE);
        assertTrue(Double.isFinite(r.losses()[0]));
    }

    /**
     * gate_mode hidden (mergekit's default) takes the layer input at each prompt's last token
     * (router.py: average = mode == "hidden_avg"), then the mean over prompts scaled to unit length.
     */
    @Test
    void hiddenIsTheUnitMeanOfTheLastTokensLayerInputs(@TempDir Path tmp) {
        float[][] routers = routers(build(tmp, recipe("hidden")), 2);
        try (Llama base = Llama.load(ModelDir.resolve(MODELS.resolve("base").toString()))) {
            Tokenizer tok = Tokenizer.load(MODELS.resolve("base"));
            List<List<String>> prompts = List.of(SORT, COUNT);
            for (int expert = 0; expert < 2; expert++) {
                double[][] mean = new double[4][128];
                for (String prompt : prompts.get(expert)) {
                    int[] ids = tok.encode("<s>" + prompt, false).ids();
                    float[][] inputs = base.layerInputs(ids);
                    for (int l = 0; l < 4; l++) for (int i = 0; i < 128; i++) mean[l][i] += inputs[l][(ids.length - 1) * 128 + i];
                }
                for (int l = 0; l < 4; l++) {
                    unit(mean[l]);
                    for (int i = 0; i < 128; i++) assertEquals(mean[l][i], routers[l][expert * 128 + i], 1e-6, "layer " + l + " expert " + expert);
                }
            }
        }
    }

    static String recipe(String mode) {
        return """
                base_model: MODELS/base
                gate_mode: %s
                dtype: float32
                experts_per_token: 1
                experts:
                  - source_model: MODELS/ft-sort
                    positive_prompts: %s
                  - source_model: MODELS/ft-count
                    positive_prompts: %s
                """.formatted(mode, yamlList(SORT), yamlList(COUNT));
    }

    /** cheap_embed: one unit vector per expert, the same in every layer; negative prompts are subtracted before the scaling. */
    @Test
    void cheapEmbedIsTheNormalisedSumOfPromptEmbeddings(@TempDir Path tmp) {
        Path out = build(tmp, """
                base_model: MODELS/base
                gate_mode: cheap_embed
                dtype: float32
                experts:
                  - source_model: MODELS/ft-sort
                    positive_prompts: ["sort ab"]
                    negative_prompts: ["count ab"]
                  - source_model: MODELS/ft-count
                    positive_prompts: ["count ab"]
                """);
        float[][] routers = routers(out, 2);
        Tokenizer tok = Tokenizer.load(MODELS.resolve("base"));
        try (Checkpoint base = Checkpoint.open(MODELS.resolve("base"))) {
            Tensor embed = base.require("model.embed_tokens.weight");
            double[] pos = embeddingSum(embed, tok.encode("<s>sort ab", false).ids()), neg = embeddingSum(embed, tok.encode("<s>count ab", false).ids());
            unit(pos);
            unit(neg);
            for (int i = 0; i < 128; i++) pos[i] -= neg[i];
            unit(pos);
            for (float[] layer : routers) {
                for (int i = 0; i < 128; i++) {
                    assertEquals(pos[i], layer[i], 1e-6, "expert 0 [" + i + "]");
                    assertEquals(neg[i], layer[128 + i], 1e-6, "expert 1 [" + i + "]");
                }
            }
        }
    }

    @Test
    void refusals(@TempDir Path tmp) throws IOException {
        String two = """
                base_model: MODELS/base
                gate_mode: %s
                experts:
                  - source_model: MODELS/ft-sort
                    positive_prompts: ["sort"]
                  - source_model: %s
                    %s
                """;
        assertEquals("r.yml: unknown gate_mode 'magic' (hidden, hidden_avg, hidden_last, cheap_embed, random, uniform_random).",
                refused(two.formatted("magic", "MODELS/ft-count", "positive_prompts: [count]")));
        assertEquals("r.yml: expert 1 (MODELS/ft-count) has no positive_prompts, which gate_mode hidden routes by.",
                refused(two.formatted("hidden", "MODELS/ft-count", "")));
        assertEquals("r.yml: every expert has the same positive and negative prompts, which would route nothing apart; "
                + "give each expert prompts like those it should receive.", refused(two.formatted("hidden", "MODELS/ft-count", "positive_prompts: [sort]")));
        assertEquals("r.yml: experts_per_token is 3 but only 2 experts are listed; list at least as many.",
                refused(two.formatted("random", "MODELS/ft-count", "") + "experts_per_token: 3\n"));
        assertEquals("r.yml: give positive_prompts to every shared expert or to none, as mergekit requires.",
                refused(two.formatted("random", "MODELS/ft-count", "") + "shared_experts: [{source_model: x, positive_prompts: [a]}, {source_model: y}]\n"));
        assertTrue(refused(two.formatted("random", "MODELS/ft-count", "noise_scale: 0.1")).startsWith("r.yml: noise_scale is not supported"));

        String same = two.formatted("hidden", "MODELS/ft-sort", "positive_prompts: [count]");
        String m = assertThrows(CocktailException.class, () -> build(tmp, same)).getMessage();
        assertTrue(m.endsWith(": every expert is the same model, which makes a larger model with the same outputs; "
                + "allow identical experts if you will train it."), m);
        assertTrue(Files.isDirectory(build(tmp, same, true)));

        String unprompted = two.formatted("hidden", "MODELS/ft-count", "positive_prompts: [count]") + "shared_experts: [{source_model: MODELS/base}]\n";
        m = assertThrows(CocktailException.class, () -> build(tmp, unprompted)).getMessage();
        assertTrue(m.endsWith(": mergekit-moe would write this recipe as a DeepSeek MoE (its shared expert has no prompts), which Cocktail "
                + "does not write; give the shared expert positive_prompts for a Qwen2-MoE."), m);
        m = assertThrows(CocktailException.class, () -> build(tmp, two.formatted("hidden", "MODELS/ft-count", "positive_prompts: [count]")
                + "architecture: qwen\n")).getMessage();
        assertTrue(m.contains(": no MoE output Cocktail writes fits this recipe (llama models, 0 shared experts, architecture 'qwen')"), m);

        Path narrow = narrowerMlp(tmp.resolve("narrow"));
        m = assertThrows(CocktailException.class, () -> build(tmp, two.formatted("random", narrow.toString(), ""))).getMessage();
        assertTrue(m.endsWith("narrow has 'model.layers.0.mlp.gate_proj.weight' of shape [176, 128] where the base has "
                + "[352, 128]; experts must all have the base's shapes."), m);
    }

    /**
     * One shared expert with prompts makes mergekit-moe's Qwen MoE: Qwen2-MoE's config and names,
     * each expert's projections, the shared expert's (its down projection times residual_scale), its
     * one-row router from its own prompts, zero q/k/v biases for the Llama inputs; our forward pass
     * loads and runs it.
     */
    @Test
    void aSharedExpertMakesAQwen2Moe(@TempDir Path tmp) throws IOException {
        Path out = build(tmp, """
                base_model: MODELS/base
                gate_mode: cheap_embed
                experts_per_token: 1
                dtype: float32
                experts:
                  - source_model: MODELS/ft-sort
                    positive_prompts: ["sort emk\\n"]
                  - source_model: MODELS/ft-count
                    positive_prompts: ["count j\\n"]
                shared_experts:
                  - source_model: MODELS/base
                    positive_prompts: ["sort count"]
                    residual_scale: 0.5
                """);
        JsonNode config = Json.readFile(out.resolve("config.json"));
        assertEquals("qwen2_moe", config.path("model_type").asText());
        assertEquals("Qwen2MoeForCausalLM", config.path("architectures").get(0).asText());
        assertEquals(2, config.path("num_experts").asInt());
        assertEquals(1, config.path("num_experts_per_tok").asInt());
        assertTrue(config.path("norm_topk_prob").asBoolean());
        assertEquals(1, config.path("decoder_sparse_step").asInt());
        assertEquals(352, config.path("moe_intermediate_size").asInt());
        assertEquals(352, config.path("shared_expert_intermediate_size").asInt());
        assertFalse(config.path("use_sliding_window").asBoolean(true));
        assertTrue(config.get("sliding_window").isNull());
        assertEquals("float32", config.path("torch_dtype").asText());
        Tokenizer tok = Tokenizer.load(MODELS.resolve("base"));
        String bos = tok.idToToken(tok.bosId().getAsInt());
        try (Checkpoint moe = Checkpoint.open(out); Checkpoint base = Checkpoint.open(MODELS.resolve("base"));
             Checkpoint sort = Checkpoint.open(MODELS.resolve("ft-sort"))) {
            double[] shared = embeddingSum(base.require("model.embed_tokens.weight"), tok.encode(bos + "sort count", false).ids());
            unit(shared);
            float[] w = new float[128], g = new float[2 * 128], down = new float[128 * 352], baseDown = new float[128 * 352];
            for (int l = 0; l < 4; l++) {
                String p = "model.layers." + l + ".";
                assertArrayEquals(new long[] {2, 128}, moe.require(p + "mlp.gate.weight").shape());
                moe.require(p + "mlp.shared_expert_gate.weight").toF32(0, w, 0, 128);
                for (int i = 0; i < 128; i++) assertEquals(shared[i], w[i], 1e-6, "shared router " + l);
                moe.require(p + "mlp.gate.weight").toF32(0, g, 0, 256);
                for (int i = 0; i < 128; i++) assertFalse(g[i] == w[i] && g[128 + i] == w[i], "routers differ " + i);
                float[] a = new float[352 * 128], b = new float[352 * 128];
                sort.require(p + "mlp.up_proj.weight").toF32(0, a, 0, a.length);
                moe.require(p + "mlp.experts.0.up_proj.weight").toF32(0, b, 0, b.length);
                assertArrayEquals(a, b, p + "expert 0 is ft-sort's");
                base.require(p + "mlp.down_proj.weight").toF32(0, baseDown, 0, baseDown.length);
                moe.require(p + "mlp.shared_expert.down_proj.weight").toF32(0, down, 0, down.length);
                for (int i = 0; i < down.length; i++) assertEquals(baseDown[i] * 0.5f, down[i], 0f, "residual_scale");
                assertArrayEquals(new long[] {128}, moe.require(p + "self_attn.q_proj.bias").shape());
                assertArrayEquals(new long[] {64}, moe.require(p + "self_attn.v_proj.bias").shape());
                float[] zero = new float[64];
                moe.require(p + "self_attn.k_proj.bias").toF32(0, zero, 0, 64);
                assertArrayEquals(new float[64], zero);
                assertTrue(moe.tensor(p + "self_attn.o_proj.bias") == null);
            }
            assertFalse(moe.names().stream().anyMatch(n -> n.contains("block_sparse_moe") || n.matches(".*\\.mlp\\.(gate|up|down)_proj.*")));
        }
        try (Llama llama = Llama.load(ModelDir.resolve(out.toString()))) {
            float[] logits = llama.logits(tok.encode(bos + "sort emk\n", false).ids());
            for (float x : logits) assertTrue(Float.isFinite(x));
        }
    }

    // ---- helpers ----

    static String refused(String yaml) {
        return assertThrows(CocktailException.class, () -> MoeConfig.parse(yaml, "r.yml")).getMessage();
    }

    /** The routers of the built model, [layers][experts x 128], widened to F32. */
    static float[][] routers(Path out, int experts) {
        try (Checkpoint c = Checkpoint.open(out)) {
            float[][] r = new float[4][experts * 128];
            for (int l = 0; l < 4; l++) c.require("model.layers." + l + ".block_sparse_moe.gate.weight").toF32(0, r[l], 0, r[l].length);
            return r;
        }
    }

    static int argmax(float[] router, float[] hidden, int at, int experts, int h) {
        int best = 0;
        double bestLogit = Double.NEGATIVE_INFINITY;
        for (int e = 0; e < experts; e++) {
            double s = 0;
            for (int i = 0; i < h; i++) s += (double) router[e * h + i] * hidden[at + i];
            if (s > bestLogit) {
                bestLogit = s;
                best = e;
            }
        }
        return best;
    }

    static double[] embeddingSum(Tensor embed, int[] ids) {
        double[] s = new double[128];
        float[] row = new float[128];
        for (int id : ids) {
            embed.toF32((long) id * 128, row, 0, 128);
            for (int i = 0; i < 128; i++) s[i] += row[i];
        }
        return s;
    }

    static void unit(double[] v) {
        double n = 0;
        for (double x : v) n += x * x;
        n = Math.sqrt(n);
        for (int i = 0; i < v.length; i++) v[i] /= n;
    }

    /** The demo base model with layer 0's MLP cut to half its intermediate size. */
    static Path narrowerMlp(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(MODELS.resolve("base").resolve("config.json"), dir.resolve("config.json"));
        try (Checkpoint base = Checkpoint.open(MODELS.resolve("base"))) {
            List<TensorSpec> plan = new ArrayList<>();
            List<java.lang.foreign.MemorySegment> data = new ArrayList<>();
            for (Tensor t : base.tensors()) {
                long[] shape = t.shape().clone();
                java.lang.foreign.MemorySegment bytes = t.data();
                if (t.name().startsWith("model.layers.0.mlp.")) {
                    if (t.name().contains("down_proj")) {
                        shape[1] /= 2; // the first half of every row
                        java.lang.foreign.MemorySegment half = java.lang.foreign.Arena.ofAuto().allocate(t.byteSize() / 2);
                        long row = shape[1] * t.dtype().byteSize();
                        for (long r = 0; r < shape[0]; r++) java.lang.foreign.MemorySegment.copy(bytes, r * 2 * row, half, r * row, row);
                        bytes = half;
                    } else {
                        shape[0] /= 2;
                        bytes = bytes.asSlice(0, t.byteSize() / 2);
                    }
                }
                plan.add(new TensorSpec(t.name(), t.dtype(), shape));
                data.add(bytes);
            }
            try (CheckpointWriter w = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE)) {
                for (int i = 0; i < plan.size(); i++) w.write(plan.get(i).name(), data.get(i));
                w.finish();
            }
        }
        return dir;
    }

    static String yamlList(List<String> prompts) {
        return "[" + String.join(", ", prompts.stream().map(p -> "\"" + p.replace("\n", "\\n") + "\"").toList()) + "]";
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static float[] floats(Tensor t) {
        float[] v = new float[Math.toIntExact(t.elementCount())];
        t.toF32(0, v, 0, v.length);
        return v;
    }

    static java.nio.ByteBuffer bytes(Tensor t) {
        return t.data().asByteBuffer();
    }
}
