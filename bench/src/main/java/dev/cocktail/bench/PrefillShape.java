package dev.cocktail.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.models.LlamaConfig;
import dev.cocktail.models.LlamaConfig.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a random benchmark model: the numbers of a real model's config.json (TinyLlama-1.1B,
 * Qwen3-1.7B, Gemma-2-2B), or, named with a "tiny-" prefix, a 2-layer miniature of the same family
 * for the logits check against llama.cpp. PrefillModel and PrefillGguf both write what it lists.
 *
 * @param std the standard deviation of the random matrices: 0.02 keeps a full-size model's activations
 *            sane; the miniatures take 0.1, so that attention is peaked and a wrong RoPE layout or
 *            norm shows in the logits rather than averaging away
 */
record PrefillShape(String name, Family family, int hidden, int layers, int heads, int kvHeads, int headDim, int inter,
                    int vocab, double ropeTheta, boolean tied, double std) {

    static final List<PrefillShape> FULL = List.of(
            new PrefillShape("tinyllama", Family.LLAMA, 2048, 22, 32, 4, 64, 5632, 32000, 10000, false, 0.02),
            new PrefillShape("qwen3-1.7b", Family.QWEN3, 2048, 28, 16, 8, 128, 6144, 151936, 1e6, true, 0.02),
            new PrefillShape("gemma2-2b", Family.GEMMA2, 2304, 26, 8, 4, 256, 9216, 256000, 10000, true, 0.02));

    static PrefillShape of(String name) {
        boolean tiny = name.startsWith("tiny-");
        String full = tiny ? name.substring("tiny-".length()) : name;
        for (PrefillShape s : FULL) {
            if (s.name.equals(full)) return tiny ? s.tiny() : s;
        }
        throw new IllegalArgumentException("unknown shape '" + name + "' (tinyllama, qwen3-1.7b, gemma2-2b, each also with tiny-)");
    }

    /** Two layers, hidden 256, vocabulary 1000; head_dim kept, so q/k/v widths differ from hidden as in the real model. */
    private PrefillShape tiny() {
        int h = Math.max(2, 512 / headDim);
        return new PrefillShape("tiny-" + name, family, 256, 2, h, h / 2, headDim, 512, 1000, ropeTheta, tied, 0.1);
    }

    /** One weight: Hugging Face's name, llama.cpp's, and the Hugging Face shape (rows, then columns). */
    record Weight(String hf, String gguf, long... shape) {
        boolean norm() {
            return shape.length == 1;
        }
    }

    /** Every weight, in the order both files list them. */
    List<Weight> weights() {
        boolean gemma = family.gemma();
        long q = (long) heads * headDim, kv = (long) kvHeads * headDim;
        List<Weight> w = new ArrayList<>();
        w.add(new Weight("model.embed_tokens.weight", "token_embd.weight", vocab, hidden));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".", g = "blk." + i + ".";
            w.add(new Weight(p + "input_layernorm.weight", g + "attn_norm.weight", hidden));
            w.add(new Weight(p + "self_attn.q_proj.weight", g + "attn_q.weight", q, hidden));
            w.add(new Weight(p + "self_attn.k_proj.weight", g + "attn_k.weight", kv, hidden));
            w.add(new Weight(p + "self_attn.v_proj.weight", g + "attn_v.weight", kv, hidden));
            if (family.qkNorm()) {
                w.add(new Weight(p + "self_attn.q_norm.weight", g + "attn_q_norm.weight", headDim));
                w.add(new Weight(p + "self_attn.k_norm.weight", g + "attn_k_norm.weight", headDim));
            }
            w.add(new Weight(p + "self_attn.o_proj.weight", g + "attn_output.weight", hidden, q));
            // Llama's post_attention_layernorm is the feed-forward's input norm; Gemma's norms the attention's output
            w.add(new Weight(p + "post_attention_layernorm.weight", g + (gemma ? "post_attention_norm.weight" : "ffn_norm.weight"), hidden));
            if (gemma) w.add(new Weight(p + "pre_feedforward_layernorm.weight", g + "ffn_norm.weight", hidden));
            w.add(new Weight(p + "mlp.gate_proj.weight", g + "ffn_gate.weight", inter, hidden));
            w.add(new Weight(p + "mlp.up_proj.weight", g + "ffn_up.weight", inter, hidden));
            w.add(new Weight(p + "mlp.down_proj.weight", g + "ffn_down.weight", hidden, inter));
            if (gemma) w.add(new Weight(p + "post_feedforward_layernorm.weight", g + "post_ffw_norm.weight", hidden));
        }
        w.add(new Weight("model.norm.weight", "output_norm.weight", hidden));
        if (!tied) w.add(new Weight("lm_head.weight", "output.weight", vocab, hidden));
        return w;
    }

    /** Our config.json, with the real model's values for what the shape does not fix (ids 1 and 2 as the GGUF's bos and eos). */
    ObjectNode config(DType dtype) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add(switch (family) {
            case QWEN3 -> "Qwen3ForCausalLM";
            case GEMMA2 -> "Gemma2ForCausalLM";
            default -> "LlamaForCausalLM";
        });
        c.put("model_type", family.modelType).put("hidden_size", hidden).put("num_hidden_layers", layers)
                .put("num_attention_heads", heads).put("num_key_value_heads", kvHeads).put("head_dim", headDim)
                .put("intermediate_size", inter).put("vocab_size", vocab).put("rope_theta", ropeTheta)
                .put("tie_word_embeddings", tied).put("bos_token_id", 1).put("eos_token_id", 2).put("torch_dtype", dtype.torchName());
        switch (family) {
            case QWEN3 -> c.put("max_position_embeddings", 40960).put("rms_norm_eps", 1e-6).put("hidden_act", "silu")
                    .put("attention_bias", false).put("use_sliding_window", false).put("max_window_layers", 28);
            case GEMMA2 -> c.put("max_position_embeddings", 8192).put("rms_norm_eps", 1e-6)
                    .put("hidden_act", "gelu_pytorch_tanh").put("hidden_activation", "gelu_pytorch_tanh")
                    .put("query_pre_attn_scalar", headDim).put("attn_logit_softcapping", 50.0).put("final_logit_softcapping", 30.0)
                    .put("sliding_window", 4096).put("attention_bias", false);
            default -> c.put("max_position_embeddings", 2048).put("rms_norm_eps", 1e-5).put("hidden_act", "silu");
        }
        return c;
    }

    LlamaConfig llamaConfig() {
        return LlamaConfig.parse(config(DType.BF16), name);
    }

    /** Multiply-adds per token in the layers' matrices. */
    long layerWeights() {
        long q = (long) heads * headDim, kv = (long) kvHeads * headDim;
        return layers * (2 * q * hidden + 2 * kv * hidden + 3L * hidden * inter);
    }

    /**
     * FLOPs of a prefill of n tokens: the layers' matrices for every token, causal attention (q.k and
     * p.v over the keys each query sees, windows counted), and the lm_head for the last token only.
     */
    double prefillFlops(int n) {
        LlamaConfig c = llamaConfig();
        double attention = 0;
        for (int l = 0; l < layers; l++) {
            long keys = 0;
            for (int i = 0; i < n; i++) keys += c.window(l) > 0 ? Math.min(i + 1, c.window(l)) : i + 1;
            attention += heads * 2.0 * 2 * headDim * keys;
        }
        return 2.0 * layerWeights() * n + 2.0 * vocab * hidden + attention;
    }
}
