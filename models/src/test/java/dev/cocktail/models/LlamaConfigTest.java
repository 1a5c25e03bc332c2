package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import org.junit.jupiter.api.Test;

/** config.json parsing for the three model types, and the rope_scaling variants the fixtures do not cover. */
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
}
