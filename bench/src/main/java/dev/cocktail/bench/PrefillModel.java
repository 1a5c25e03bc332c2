package dev.cocktail.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.SafetensorsWriter;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random Llama model with TinyLlama-1.1B's shape, written as a Hugging Face directory in BF16 or
 * F32: matrices uniform with standard deviation 0.02, norm weights 1, so activations stay sane.
 */
final class PrefillModel {
    private PrefillModel() {}

    static final int HIDDEN = 2048, LAYERS = 22, HEADS = 32, KV_HEADS = 4, HEAD_DIM = 64, INTER = 5632, VOCAB = 32000;

    /** Multiply-adds per token in the layers' matrices (the lm_head runs for the last token only). */
    static long layerWeightsPerToken() {
        long kv = (long) KV_HEADS * HEAD_DIM;
        return LAYERS * ((long) HIDDEN * HIDDEN * 2 + 2 * kv * HIDDEN + 3L * HIDDEN * INTER);
    }

    /** FLOPs of a prefill of n tokens: the matrices, causal attention (q.k and p.v), the last token's logits. */
    static double prefillFlops(int n) {
        double matrices = 2.0 * layerWeightsPerToken() * n + 2.0 * VOCAB * HIDDEN;
        double attention = LAYERS * HEADS * 2.0 * 2 * HEAD_DIM * (n * (n + 1) / 2.0);
        return matrices + attention;
    }

    static List<TensorSpec> plan(DType dtype) {
        List<TensorSpec> plan = new ArrayList<>();
        plan.add(new TensorSpec("model.embed_tokens.weight", dtype, new long[] {VOCAB, HIDDEN}));
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            plan.add(new TensorSpec(p + "input_layernorm.weight", dtype, new long[] {HIDDEN}));
            plan.add(new TensorSpec(p + "self_attn.q_proj.weight", dtype, new long[] {HEADS * HEAD_DIM, HIDDEN}));
            plan.add(new TensorSpec(p + "self_attn.k_proj.weight", dtype, new long[] {KV_HEADS * HEAD_DIM, HIDDEN}));
            plan.add(new TensorSpec(p + "self_attn.v_proj.weight", dtype, new long[] {KV_HEADS * HEAD_DIM, HIDDEN}));
            plan.add(new TensorSpec(p + "self_attn.o_proj.weight", dtype, new long[] {HIDDEN, HEADS * HEAD_DIM}));
            plan.add(new TensorSpec(p + "post_attention_layernorm.weight", dtype, new long[] {HIDDEN}));
            plan.add(new TensorSpec(p + "mlp.gate_proj.weight", dtype, new long[] {INTER, HIDDEN}));
            plan.add(new TensorSpec(p + "mlp.up_proj.weight", dtype, new long[] {INTER, HIDDEN}));
            plan.add(new TensorSpec(p + "mlp.down_proj.weight", dtype, new long[] {HIDDEN, INTER}));
        }
        plan.add(new TensorSpec("model.norm.weight", dtype, new long[] {HIDDEN}));
        plan.add(new TensorSpec("lm_head.weight", dtype, new long[] {VOCAB, HIDDEN}));
        return plan;
    }

    static void write(Path dir, DType dtype, long seed) throws IOException {
        Files.createDirectories(dir);
        Json.writeFile(dir.resolve("config.json"), config(dtype));
        SplittableRandom random = new SplittableRandom(seed);
        float bound = (float) (0.02 * Math.sqrt(3)); // uniform on [-b, b] has standard deviation b / sqrt 3
        float[] chunk = new float[1 << 20];
        List<TensorSpec> plan = plan(dtype);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"), plan, Map.of("format", "pt"))) {
            for (TensorSpec t : plan) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment bytes = arena.allocate(t.byteSize());
                    boolean norm = t.shape().length == 1;
                    for (long at = 0; at < t.elementCount(); at += chunk.length) {
                        int n = (int) Math.min(chunk.length, t.elementCount() - at);
                        for (int i = 0; i < n; i++) chunk[i] = norm ? 1f : (float) (random.nextDouble(-bound, bound));
                        Convert.fromF32(chunk, 0, n, dtype, bytes, at * dtype.byteSize());
                    }
                    w.write(t.name(), bytes);
                }
            }
            w.finish();
        }
    }

    private static ObjectNode config(DType dtype) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama").put("hidden_size", HIDDEN).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", KV_HEADS).put("intermediate_size", INTER)
                .put("vocab_size", VOCAB).put("max_position_embeddings", 2048).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 10000.0).put("tie_word_embeddings", false).put("bos_token_id", 1).put("eos_token_id", 2)
                .put("hidden_act", "silu").put("torch_dtype", dtype.torchName());
        return c;
    }
}
