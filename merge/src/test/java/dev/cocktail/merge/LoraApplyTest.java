package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.SafetensorsWriter;
import dev.cocktail.engine.TensorSpec;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA adapters as merge inputs (MODEL+LORA), applied while the merge reads them. */
class LoraApplyTest {
    @TempDir
    Path tmp;

    private static final String P = "base_model.model.";

    /** An adapter folder: adapter_config.json as given, and the tensors in F32. */
    static Path adapter(Path dir, String config, Map<String, float[]> tensors, Map<String, long[]> shapes) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(LoraAdapter.CONFIG), config);
        List<TensorSpec> plan = new ArrayList<>();
        tensors.keySet().forEach(n -> plan.add(new TensorSpec(n, DType.F32, shapes.get(n))));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve(LoraAdapter.WEIGHTS), plan, CheckpointWriter.METADATA);
             Arena arena = Arena.ofConfined()) {
            for (var e : tensors.entrySet()) {
                MemorySegment s = arena.allocate(4L * e.getValue().length);
                MemorySegment.copy(e.getValue(), 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, e.getValue().length);
                w.write(e.getKey(), s);
            }
            w.finish();
        }
        return dir;
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** The model `name` alone, as `mix` writes it (weight 1, F32): what the merge reads of it. */
    private Map<String, float[]> applied(String name, String out) {
        Mix.mix(new Mix.Request(List.of(ModelDir.resolve(name)), new float[] {1f}, false, null, 0, DType.F32,
                new Output(tmp.resolve(out), false, 1L << 30, false)), Progress.NONE, "test");
        return TinyModels.read(tmp.resolve(out));
    }

    /** (B A)[i][j] in double; transposed: (B A)^T. */
    private static double product(float[] a, float[] b, int r, int in, int i, int j, boolean transposed) {
        double s = 0;
        for (int k = 0; k < r; k++) s += transposed ? (double) b[j * r + k] * a[k * in + i] : (double) b[i * r + k] * a[k * in + j];
        return s;
    }

    @Test
    void knownDeltasScalingPatternsEmbeddingsFanInFanOutAndModulesToSave() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        Path model = TinyModels.write(tmp.resolve("base"), base);
        Random r = new Random(7);
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        // layer 0 q_proj (8 x 8): r 2, alpha 4, scale 2
        String q0 = "model.layers.0.self_attn.q_proj", q1 = "model.layers.1.self_attn.q_proj";
        t.put(P + q0 + ".lora_A.weight", gaussian(r, 2 * 8));
        shapes.put(P + q0 + ".lora_A.weight", new long[] {2, 8});
        t.put(P + q0 + ".lora_B.weight", gaussian(r, 8 * 2));
        shapes.put(P + q0 + ".lora_B.weight", new long[] {8, 2});
        // layer 1 q_proj: rank_pattern 1, alpha_pattern 3 -> scale 3
        t.put(P + q1 + ".lora_A.weight", gaussian(r, 8));
        shapes.put(P + q1 + ".lora_A.weight", new long[] {1, 8});
        t.put(P + q1 + ".lora_B.weight", gaussian(r, 8));
        shapes.put(P + q1 + ".lora_B.weight", new long[] {8, 1});
        // embeddings (6 x 8): lora_embedding_A is r x vocabulary, B hidden x r
        t.put(P + "model.embed_tokens.lora_embedding_A", gaussian(r, 2 * 6));
        shapes.put(P + "model.embed_tokens.lora_embedding_A", new long[] {2, 6});
        t.put(P + "model.embed_tokens.lora_embedding_B", gaussian(r, 8 * 2));
        shapes.put(P + "model.embed_tokens.lora_embedding_B", new long[] {8, 2});
        // modules_to_save: the norm replaced
        float[] norm = gaussian(r, 8);
        t.put(P + "model.norm.weight", norm);
        shapes.put(P + "model.norm.weight", new long[] {8});
        adapter(tmp.resolve("lora"), """
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "fan_in_fan_out": false, "use_rslora": false,
                 "rank_pattern": {"layers.1.self_attn.q_proj": 1}, "alpha_pattern": {"layers\\\\.1\\\\..*q_proj": 3},
                 "modules_to_save": ["model.norm"]}
                """, t, shapes);
        Map<String, float[]> got = applied(model + "+" + tmp.resolve("lora"), "out");
        for (String name : base.keySet()) {
            float[] want = base.get(name).clone();
            String module = name.substring(0, name.length() - ".weight".length());
            if (module.equals(q0) || module.equals(q1)) {
                int rank = module.equals(q0) ? 2 : 1;
                double scale = module.equals(q0) ? 2 : 3;
                for (int i = 0; i < 8; i++) for (int j = 0; j < 8; j++) {
                    want[i * 8 + j] += (float) (scale * product(t.get(P + module + ".lora_A.weight"), t.get(P + module + ".lora_B.weight"), rank, 8, i, j, false));
                }
            } else if (module.equals("model.embed_tokens")) {
                for (int i = 0; i < 6; i++) for (int j = 0; j < 8; j++) {
                    want[i * 8 + j] += (float) (2 * product(t.get(P + module + ".lora_embedding_A"), t.get(P + module + ".lora_embedding_B"), 2, 6, i, j, true));
                }
            } else if (module.equals("model.norm")) {
                want = norm;
            }
            assertArrayEquals(want, got.get(name), 1e-5f, name);
        }
        assertFalse(java.util.Arrays.equals(base.get(q0 + ".weight"), got.get(q0 + ".weight")));
    }

    @Test
    void fanInFanOutAndRsLoraScaleTheTransposedProduct() throws IOException {
        Map<String, float[]> base = TinyModels.random(2, null, 0);
        Path model = TinyModels.write(tmp.resolve("base"), base);
        Random r = new Random(8);
        // down_proj is stored 8 x 12: with fan_in_fan_out that is in x out, so A is r x 8 and B 12 x r
        String m = "model.layers.2.mlp.down_proj";
        float[] a = gaussian(r, 4 * 8), b = gaussian(r, 12 * 4);
        adapter(tmp.resolve("lora"), """
                {"r": 4, "lora_alpha": 6, "fan_in_fan_out": true, "use_rslora": true}
                """, Map.of(P + m + ".lora_A.weight", a, P + m + ".lora_B.weight", b),
                Map.of(P + m + ".lora_A.weight", new long[] {4, 8}, P + m + ".lora_B.weight", new long[] {12, 4}));
        Map<String, float[]> got = applied(model + "+" + tmp.resolve("lora"), "out");
        float[] want = base.get(m + ".weight").clone();
        for (int i = 0; i < 8; i++) for (int j = 0; j < 12; j++) want[i * 12 + j] += (float) (6 / Math.sqrt(4) * product(a, b, 4, 8, i, j, true));
        assertArrayEquals(want, got.get(m + ".weight"), 1e-5f);
        assertArrayEquals(base.get("lm_head.weight"), got.get("lm_head.weight"), 0f);
    }

    /** lora extract at full rank, then the adapter as an input of mix and of a recipe: the fine-tuned model again. */
    @Test
    void fullRankExtractionAppliedGivesBackTheFineTunedModel() throws IOException {
        Path base = TestData.example("models/base"), ft = TestData.example("models/ft-sort"), lora = tmp.resolve("lora");
        LoraExtract.extract(new LoraExtract.Request(ModelDir.resolve(base.toString()), ModelDir.resolve(ft.toString()), 4096,
                new Output(lora, false, 5_000_000_000L, false)), Progress.NONE, "test");
        Map<String, float[]> want = TinyModels.read(ft);
        Map<String, float[]> mixed = applied(base + "+" + lora, "mixed");
        Path recipe = tmp.resolve("recipe.yml");
        Files.writeString(recipe, """
                merge_method: passthrough
                dtype: float32
                slices:
                  - sources:
                      - model: %s+%s
                        layer_range: [0, 4]
                """.formatted(base, lora));
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(tmp.resolve("merged"), false, 5_000_000_000L, false), 42),
                Progress.NONE, "test");
        Map<String, float[]> merged = TinyModels.read(tmp.resolve("merged"));
        assertEquals(want.keySet(), mixed.keySet());
        double worst = 0;
        for (String name : want.keySet()) {
            for (int i = 0; i < want.get(name).length; i++) {
                worst = Math.max(worst, Math.abs(want.get(name)[i] - mixed.get(name)[i]));
                worst = Math.max(worst, Math.abs(want.get(name)[i] - merged.get(name)[i]));
            }
        }
        assertTrue(worst <= 1e-4, "largest difference " + worst);
    }

    @Test
    void adaptersThatDoNotFitTheBaseAreRefusedNamingTheFile() throws IOException {
        Path model = TinyModels.write(tmp.resolve("base"), TinyModels.random(3, null, 0));
        String q = P + "model.layers.0.self_attn.q_proj";
        Path wrongShape = adapter(tmp.resolve("shape"), "{\"r\": 2, \"lora_alpha\": 2}",
                Map.of(q + ".lora_A.weight", new float[2 * 9], q + ".lora_B.weight", new float[8 * 2]),
                Map.of(q + ".lora_A.weight", new long[] {2, 9}, q + ".lora_B.weight", new long[] {8, 2}));
        String k = P + "model.layers.0.self_attn.k_proj";
        Path missing = adapter(tmp.resolve("module"), "{\"r\": 2, \"lora_alpha\": 2}",
                Map.of(k + ".lora_A.weight", new float[2 * 8], k + ".lora_B.weight", new float[8 * 2]),
                Map.of(k + ".lora_A.weight", new long[] {2, 8}, k + ".lora_B.weight", new long[] {8, 2}));
        Path rank = adapter(tmp.resolve("rank"), "{\"r\": 4, \"lora_alpha\": 2}",
                Map.of(q + ".lora_A.weight", new float[2 * 8], q + ".lora_B.weight", new float[8 * 2]),
                Map.of(q + ".lora_A.weight", new long[] {2, 8}, q + ".lora_B.weight", new long[] {8, 2}));
        Path noWeights = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(noWeights.resolve(LoraAdapter.CONFIG), "{\"r\": 2}");
        Path pickle = Files.createDirectories(tmp.resolve("pickle"));
        Files.writeString(pickle.resolve(LoraAdapter.CONFIG), "{\"r\": 2}");
        Files.write(pickle.resolve("adapter_model.bin"), new byte[8]);
        Path noConfig = Files.createDirectories(tmp.resolve("noconfig"));
        Path dora = adapter(tmp.resolve("dora"), "{\"r\": 2, \"use_dora\": true}", Map.of(), Map.of());
        Map<Path, String> cases = new LinkedHashMap<>();
        cases.put(wrongShape, "shape/adapter_model.safetensors: the LoRA of 'model.layers.0.self_attn.q_proj' gives a [8, 9] delta");
        cases.put(missing, "module/adapter_model.safetensors: adapts 'model.layers.0.self_attn.k_proj', but");
        cases.put(rank, "rank/adapter_model.safetensors: the LoRA of 'model.layers.0.self_attn.q_proj' has rank 2, but adapter_config.json gives it rank 4");
        cases.put(noWeights, "empty/adapter_model.safetensors: no such file; a PEFT LoRA adapter folder holds");
        cases.put(pickle, "pickle/adapter_model.safetensors: no such file; the adapter is a pickle");
        cases.put(noConfig, "noconfig/adapter_config.json: no such file");
        cases.put(dora, "dora/adapter_config.json: use_dora is set");
        for (var c : cases.entrySet()) {
            Path out = tmp.resolve("out-" + c.getKey().getFileName());
            CocktailException e = assertThrows(CocktailException.class, () -> applied(model + "+" + c.getKey(), out.getFileName().toString()));
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
            assertFalse(Files.exists(out), "no output for " + c.getKey());
        }
    }
}
