package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TensorSpec;
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

/**
 * `modules:` of multi-module models, on tiny generated ones: a T5 (encoder, decoder, shared) and a
 * LLaVA-layout multi-modal model (text_decoder, vision_tower, multi_modal_projector). Each module
 * merges its own weights with its own models, slices and parameters, its layers numbered within it.
 */
class MultiModuleMergeTest {
    @TempDir
    Path tmp;

    /** Weight names and shapes of a two-layer T5. */
    static final Map<String, long[]> T5 = new LinkedHashMap<>();
    /** Of a LLaVA: a two-layer text decoder, a three-layer vision tower, a projector. */
    static final Map<String, long[]> LLAVA = new LinkedHashMap<>();

    static {
        T5.put("shared.weight", new long[] {6, 4});
        for (int l = 0; l < 2; l++) {
            T5.put("encoder.block." + l + ".layer.0.SelfAttention.q.weight", new long[] {4, 4});
            T5.put("encoder.block." + l + ".layer.1.DenseReluDense.wo.weight", new long[] {4, 8});
        }
        T5.put("encoder.final_layer_norm.weight", new long[] {4});
        for (int l = 0; l < 2; l++) {
            T5.put("decoder.block." + l + ".layer.0.SelfAttention.q.weight", new long[] {4, 4});
            T5.put("decoder.block." + l + ".layer.1.EncDecAttention.q.weight", new long[] {4, 4});
        }
        T5.put("decoder.final_layer_norm.weight", new long[] {4});
        T5.put("lm_head.weight", new long[] {6, 4});

        LLAVA.put("language_model.model.embed_tokens.weight", new long[] {6, 4});
        for (int l = 0; l < 2; l++) LLAVA.put("language_model.model.layers." + l + ".self_attn.q_proj.weight", new long[] {4, 4});
        LLAVA.put("language_model.model.norm.weight", new long[] {4});
        LLAVA.put("language_model.lm_head.weight", new long[] {6, 4});
        LLAVA.put("vision_tower.vision_model.embeddings.patch_embedding.weight", new long[] {4, 3});
        for (int l = 0; l < 3; l++) LLAVA.put("vision_tower.vision_model.encoder.layers." + l + ".mlp.fc1.weight", new long[] {5, 4});
        LLAVA.put("vision_tower.vision_model.post_layernorm.weight", new long[] {4});
        LLAVA.put("multi_modal_projector.linear_1.weight", new long[] {4, 4});
    }

    static Map<String, float[]> random(Map<String, long[]> shapes, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        shapes.forEach((n, s) -> {
            float[] v = new float[(int) dev.cocktail.engine.Tensor.elementCount(s)];
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
            m.put(n, v);
        });
        return m;
    }

    static void write(Path dir, Map<String, long[]> shapes, Map<String, float[]> tensors, String config) throws IOException {
        Files.createDirectories(dir);
        List<TensorSpec> plan = new ArrayList<>();
        shapes.forEach((n, s) -> plan.add(new TensorSpec(n, DType.F32, s)));
        try (CheckpointWriter w = CheckpointWriter.create(dir, plan, CheckpointWriter.DEFAULT_SHARD_SIZE); Arena arena = Arena.ofConfined()) {
            for (var e : tensors.entrySet()) {
                MemorySegment s = arena.allocate(4L * e.getValue().length);
                MemorySegment.copy(e.getValue(), 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, e.getValue().length);
                w.write(e.getKey(), s);
            }
            w.finish();
        }
        Files.writeString(dir.resolve("config.json"), config);
    }

    static final String T5_CONFIG = """
            {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "num_layers": 2, "num_decoder_layers": 2,
             "d_model": 4, "vocab_size": 6, "torch_dtype": "float32"}
            """;
    static final String LLAVA_CONFIG = """
            {"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava", "torch_dtype": "float32",
             "text_config": {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 4, "vocab_size": 6},
             "vision_config": {"model_type": "clip_vision_model", "num_hidden_layers": 3, "hidden_size": 4}}
            """;

    Map<String, float[]> merge(String yaml) throws IOException {
        Path recipe = Files.writeString(tmp.resolve("r.yml"), yaml);
        Path out = tmp.resolve("out");
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, true, 5_000_000_000L, false), 42), Progress.NONE, "test");
        return TinyModels.read(out);
    }

    static void same(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-6, what + " [" + i + "]");
    }

    static float[] mix(float[] x, double wx, float[] y, double wy) {
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = (float) (wx * x[i] + wy * y[i]);
        return r;
    }

    /**
     * The encoder's weight gradient runs over the encoder's own two layers (layer 0 all a, layer 1
     * all b); the decoder's slices swap its two blocks, renumbered within decoder.block; shared
     * averages the embeddings and the head.
     */
    @Test
    void t5ModulesMergeSeparately() throws IOException {
        Map<String, float[]> a = random(T5, 1), b = random(T5, 2);
        write(tmp.resolve("a"), T5, a, T5_CONFIG);
        write(tmp.resolve("b"), T5, b, T5_CONFIG);
        Map<String, float[]> m = merge("""
                merge_method: linear
                modules:
                  encoder:
                    models:
                      - {model: a, parameters: {weight: [1, 0]}}
                      - {model: b, parameters: {weight: [0, 1]}}
                  decoder:
                    slices:
                      - sources: [{model: b, layer_range: [1, 2]}]
                      - sources: [{model: a, layer_range: [0, 1]}]
                  shared:
                    models: [{model: a}, {model: b}]
                    parameters: {weight: 0.5}
                parameters: {weight: 1}
                """);
        assertEquals(T5.keySet(), m.keySet());
        String enc0 = "encoder.block.0.layer.0.SelfAttention.q.weight", enc1 = "encoder.block.1.layer.1.DenseReluDense.wo.weight";
        same(a.get(enc0), m.get(enc0), "encoder layer 0 at t = 0");
        same(b.get(enc1), m.get(enc1), "encoder layer 1 at t = 1");
        same(b.get("decoder.block.1.layer.1.EncDecAttention.q.weight"), m.get("decoder.block.0.layer.1.EncDecAttention.q.weight"), "decoder block 0");
        same(a.get("decoder.block.0.layer.0.SelfAttention.q.weight"), m.get("decoder.block.1.layer.0.SelfAttention.q.weight"), "decoder block 1");
        same(a.get("decoder.final_layer_norm.weight"), m.get("decoder.final_layer_norm.weight"), "the decoder's last slice's norm");
        for (String n : List.of("shared.weight", "lm_head.weight")) same(mix(a.get(n), 0.5, b.get(n), 0.5), m.get(n), n);
    }

    @Test
    void llavaModulesMergeSeparately() throws IOException {
        Map<String, float[]> a = random(LLAVA, 3), b = random(LLAVA, 4);
        write(tmp.resolve("a"), LLAVA, a, LLAVA_CONFIG);
        write(tmp.resolve("b"), LLAVA, b, LLAVA_CONFIG);
        Map<String, float[]> m = merge("""
                merge_method: linear
                modules:
                  text_decoder:
                    models:
                      - {model: a, parameters: {weight: 0.25}}
                      - {model: b, parameters: {weight: 0.75}}
                  vision_tower:
                    models: [{model: a, parameters: {weight: 1}}]
                  multi_modal_projector:
                    models: [{model: b, parameters: {weight: 1}}]
                """);
        assertEquals(LLAVA.keySet(), m.keySet());
        for (String n : LLAVA.keySet()) {
            float[] want = n.startsWith("language_model.") ? mix(a.get(n), 0.25, b.get(n), 0.75) : n.startsWith("vision_tower.") ? a.get(n) : b.get(n);
            same(want, m.get(n), n);
        }
    }

    @Test
    void refusals() throws IOException {
        write(tmp.resolve("a"), T5, random(T5, 1), T5_CONFIG);
        String m = assertThrows(CocktailException.class, () -> merge("""
                merge_method: linear
                modules:
                  encoder: {models: [{model: a, parameters: {weight: 1}}]}
                  decoder: {models: [{model: a, parameters: {weight: 1}}]}
                  vision_tower: {models: [{model: a, parameters: {weight: 1}}]}
                """)).getMessage();
        assertTrue(m.endsWith(" is an encoder-decoder (T5), whose modules are encoder, decoder, shared; there is no module vision_tower, "
                + "and the recipe does not merge shared (mergekit leaves a module out of the output, which then does not load)."), m);
        m = assertThrows(CocktailException.class, () -> merge("""
                merge_method: linear
                modules:
                  encoder: {models: [{model: a, parameters: {weight: 1}}]}
                  decoder: {slices: [{sources: [{model: a, layer_range: [0, 1]}]}]}
                  shared: {models: [{model: a}]}
                parameters: {weight: 1}
                """)).getMessage();
        assertTrue(m.endsWith(": module decoder would have 1 layers where " + tmp.resolve("a") + " has 2; "
                + "Cocktail keeps each module's layer count in a multi-module model."), m);
        assertFalse(Files.exists(tmp.resolve("out")));
        TinyModels.write(tmp.resolve("llama"), TinyModels.random(1, null, 0));
        m = assertThrows(CocktailException.class, () -> merge("""
                merge_method: linear
                modules:
                  vision_tower: {models: [{model: llama, parameters: {weight: 1}}]}
                  text_decoder: {models: [{model: llama, parameters: {weight: 1}}]}
                """)).getMessage();
        assertTrue(m.contains("is neither an encoder-decoder (T5: encoder, decoder, shared) nor a multi-modal model of the LLaVA layout"), m);
    }
}
