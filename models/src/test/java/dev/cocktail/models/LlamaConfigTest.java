package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import org.junit.jupiter.api.Test;

/** config.json parsing for every model type, the family rules and rope_scaling variants the fixtures do not cover, and the errors. */
class LlamaConfigTest {

    static ObjectNode base(String type) {
        ObjectNode c = Json.MAPPER.createObjectNode().put("model_type", type).put("hidden_size", 64).put("num_hidden_layers", 2)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("intermediate_size", 128).put("vocab_size", 100)
                .put("max_position_embeddings", 32);
        return c;
    }

    @Test
    void defaultsAndBiasesPerType() {
        LlamaConfig llama = LlamaConfig.parse(base("llama").put("attention_bias", true).put("mlp_bias", true), "c");
        assertEquals(16, llama.headDim());
        assertTrue(llama.attentionBias() && llama.mlpBias() && !llama.qkvBias() && !llama.tieWordEmbeddings());
        assertEquals(1e-6f, llama.rmsNormEps());
        assertEquals(10000.0, llama.rope().theta());
        LlamaConfig qwen = LlamaConfig.parse(base("qwen2").put("use_sliding_window", true).put("sliding_window", 8)
                .put("max_window_layers", 1).put("tie_word_embeddings", true), "c");
        assertTrue(qwen.qkvBias() && !qwen.attentionBias() && qwen.tieWordEmbeddings());
        assertEquals(0, qwen.window(0));
        assertEquals(8, qwen.window(1));
        LlamaConfig mistral = LlamaConfig.parse(base("mistral").put("sliding_window", 4096).put("head_dim", 32), "c");
        assertEquals(32, mistral.headDim());
        assertEquals(4096, mistral.window(0));
        assertTrue(!mistral.qkvBias() && !mistral.attentionBias());
    }

    @Test
    void badConfigsNameTheKey() {
        CocktailException e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(base("llama").put("hidden_size", -3), "x/config.json"));
        assertTrue(e.getMessage().startsWith("x/config.json") && e.getMessage().contains("hidden_size"), e.getMessage());
        e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(base("gpt2"), "c"));
        assertTrue(e.getMessage().contains("gpt2"), e.getMessage());
        e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(base("llama").put("num_key_value_heads", 3), "c"));
        assertTrue(e.getMessage().contains("num_key_value_heads"), e.getMessage());
        ObjectNode yarn = base("llama");
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0);
        e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(yarn, "c"));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
    }

    @Test
    void linearAndDynamicScaling() {
        double[] plain = Rope.inverseFrequencies(LlamaConfig.parse(base("llama"), "c").rope(), 10);
        assertEquals(1.0, plain[0]);
        assertEquals(Math.pow(10000, -2.0 / 16), plain[1], 1e-15);
        ObjectNode linear = base("llama");
        linear.putObject("rope_scaling").put("type", "linear").put("factor", 4.0);
        double[] lin = Rope.inverseFrequencies(LlamaConfig.parse(linear, "c").rope(), 10);
        for (int j = 0; j < plain.length; j++) assertEquals(plain[j] / 4, lin[j], 1e-15);
        ObjectNode dynamic = base("llama");
        dynamic.putObject("rope_scaling").put("rope_type", "dynamic").put("factor", 2.0);
        LlamaConfig dyn = LlamaConfig.parse(dynamic, "c");
        assertArrayEquals(plain, Rope.inverseFrequencies(dyn.rope(), 32), "no change up to max_position_embeddings");
        double base = 10000 * Math.pow(2.0 * 48 / 32 - 1, 16 / 14.0);
        double[] grown = Rope.inverseFrequencies(dyn.rope(), 48);
        for (int j = 0; j < grown.length; j++) assertEquals(Math.pow(base, -2.0 * j / 16), grown[j], 1e-15);
    }

    @Test
    void windowRulesPerFamily() {
        LlamaConfig gemma2 = LlamaConfig.parse(base("gemma2").put("num_hidden_layers", 4).put("sliding_window", 8), "c");
        assertArrayEquals(new boolean[] {true, false, true, false}, gemma2.sliding());
        assertEquals(50f, gemma2.attentionSoftcap());
        assertEquals(30f, gemma2.finalSoftcap());
        assertEquals((float) (1 / Math.sqrt(256)), gemma2.attentionScale());
        assertTrue(gemma2.tieWordEmbeddings() && gemma2.activation() == LlamaConfig.Activation.GELU_TANH);
        ObjectNode capless = base("gemma2").put("query_pre_attn_scalar", 64);
        capless.putNull("attn_logit_softcapping");
        capless.putNull("final_logit_softcapping");
        LlamaConfig g2 = LlamaConfig.parse(capless, "c");
        assertEquals(0f, g2.attentionSoftcap());
        assertEquals(0f, g2.finalSoftcap());
        assertEquals(0.125f, g2.attentionScale());
        assertEquals(4096, g2.window(0));

        LlamaConfig gemma3 = LlamaConfig.parse(base("gemma3_text").put("num_hidden_layers", 7).put("sliding_window_pattern", 3), "c");
        assertArrayEquals(new boolean[] {true, true, false, true, true, false, true}, gemma3.sliding());
        assertEquals(0f, gemma3.attentionSoftcap());
        assertEquals(10000.0, gemma3.rotary(0).theta());
        assertEquals(1e6, gemma3.rotary(2).theta());
        ObjectNode typed = base("gemma3_text");
        typed.putArray("layer_types").add("full_attention").add("sliding_attention");
        assertArrayEquals(new boolean[] {false, true}, LlamaConfig.parse(typed, "c").sliding());

        // transformers 5: rope_parameters per layer type; the global one scaled, the local one never
        ObjectNode v5 = base("gemma3_text");
        ObjectNode params = v5.putObject("rope_parameters");
        params.putObject("full_attention").put("rope_type", "linear").put("factor", 8.0).put("rope_theta", 1e6);
        params.putObject("sliding_attention").put("rope_type", "default").put("rope_theta", 1e4);
        LlamaConfig c5 = LlamaConfig.parse(v5, "c");
        assertEquals(8.0, c5.rope().scaling().factor());
        assertEquals(1e4, c5.rotary(0).theta());
        assertEquals(null, c5.rotary(0).scaling());

        LlamaConfig qwen3 = LlamaConfig.parse(base("qwen3").put("sliding_window", 4).put("use_sliding_window", false), "c");
        assertEquals(0, qwen3.window(0));
        assertEquals(0, qwen3.window(1));
        LlamaConfig qwen3w = LlamaConfig.parse(base("qwen3").put("sliding_window", 4).put("use_sliding_window", true)
                .put("max_window_layers", 0).put("attention_bias", true), "c");
        assertEquals(4, qwen3w.window(0));
        assertTrue(qwen3w.attentionBias() && !qwen3w.qkvBias());
        assertEquals(4, LlamaConfig.parse(base("phi3").put("sliding_window", 4), "c").window(1));
    }

    /** transformers holds Gemma's sqrt(hidden_size) as a tensor of the model's dtype. */
    @Test
    void gemmaEmbeddingScaleIsRoundedToTheDtype() {
        assertEquals(9.8125f, LlamaConfig.parse(base("gemma2").put("hidden_size", 96).put("torch_dtype", "bfloat16"), "c").embeddingScale(DType.F32));
        assertEquals(8.9453125f, LlamaConfig.parse(base("gemma3_text").put("hidden_size", 80).put("torch_dtype", "float16"), "c").embeddingScale(DType.F32));
        assertEquals((float) Math.sqrt(96), LlamaConfig.parse(base("gemma2").put("hidden_size", 96).put("torch_dtype", "float32"), "c").embeddingScale(DType.BF16));
        assertEquals(9.8125f, LlamaConfig.parse(base("gemma2").put("hidden_size", 96), "c").embeddingScale(DType.BF16), "no torch_dtype: the weights'");
        assertEquals(1f, LlamaConfig.parse(base("qwen3").put("torch_dtype", "bfloat16"), "c").embeddingScale(DType.BF16));
    }

    @Test
    void longropeChoosesFactorsByLengthAndScalesCosAndSin() {
        ObjectNode phi = base("phi3").put("original_max_position_embeddings", 8).put("partial_rotary_factor", 0.5);
        ObjectNode s = phi.putObject("rope_scaling").put("type", "su");
        s.putArray("short_factor").add(1.0).add(2.0).add(3.0).add(4.0);
        s.putArray("long_factor").add(5.0).add(6.0).add(7.0).add(8.0);
        LlamaConfig c = LlamaConfig.parse(phi, "c");
        assertEquals(8, c.rope().dims());
        assertEquals("longrope", c.rope().scaling().type());
        assertEquals(Math.sqrt(1 + Math.log(4) / Math.log(8)), c.rope().scaling().attentionFactor(), 1e-15);
        assertEquals(Math.pow(10000, -2.0 / 8) / 2, Rope.inverseFrequencies(c.rope(), 8)[1], 1e-15);
        assertEquals(Math.pow(10000, -2.0 / 8) / 6, Rope.inverseFrequencies(c.rope(), 9)[1], 1e-15);
        Rope tables = Rope.tables(c.rope(), 0, 2);
        assertEquals((float) (Math.cos(1.0 / 1) * c.rope().scaling().attentionFactor()), tables.cos()[4]);
    }

    @Test
    void familyErrorsAreOneSentence() {
        ObjectNode ntk = base("qwen3");
        ntk.putObject("rope_scaling").put("rope_type", "ntk-by-parts").put("factor", 2.0);
        assertError(ntk, "rope type 'ntk-by-parts' is not supported");
        assertError(base("phi3").put("partial_rotary_factor", 0.5625), "partial_rotary_factor 0.5625 gives 9 rotary dimensions");
        ObjectNode types = base("gemma2");
        types.putArray("layer_types").add("sliding_attention").add("full_attention").add("full_attention");
        assertError(types, "layer_types has 3 entries for 2 layers");
        ObjectNode shortFactors = base("phi3");
        shortFactors.putObject("rope_scaling").put("type", "longrope").putArray("short_factor").add(1.0);
        assertError(shortFactors, "'short_factor' is not a list of 8 numbers");
        assertError(base("gemma2").put("hidden_activation", "relu"), "activation 'relu' is not supported");
    }

    private static void assertError(ObjectNode config, String part) {
        CocktailException e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(config, "m/config.json"));
        assertTrue(e.getMessage().startsWith("m/config.json") && e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().endsWith(".") && e.getMessage().indexOf(". ") < 0, "one sentence: " + e.getMessage());
    }
}
