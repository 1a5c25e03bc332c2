package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The table of architectures: families, forward passes, sentence-transformers files and tensor places. */
class ArchitectureTest {

    static ObjectNode config(String type, String... architectures) {
        ObjectNode c = Json.MAPPER.createObjectNode().put("model_type", type);
        var a = c.putArray("architectures");
        for (String x : architectures) a.add(x);
        return c;
    }

    @Test
    void familiesAndForwardPasses() {
        Architecture llama = Architecture.of(config("llama", "LlamaForCausalLM"));
        assertEquals(ModelFamily.DECODER, llama.family());
        assertEquals(ForwardPass.LLAMA, llama.forwardPass());
        assertFalse(llama.sentenceTransformers());
        Architecture qwen3 = Architecture.of(config("qwen3"));
        assertEquals(ModelFamily.DECODER, qwen3.family());
        assertEquals(ForwardPass.LLAMA, qwen3.forwardPass());
        Architecture bert = Architecture.of(config("bert", "BertModel"));
        assertEquals(ModelFamily.ENCODER, bert.family());
        assertEquals(ForwardPass.BERT, bert.forwardPass());
        assertTrue(bert.sentenceTransformers());
        assertTrue(Architecture.of(config("xlm-roberta")).sentenceTransformers());
        assertEquals(ModelFamily.ENCODER_DECODER, Architecture.of(config("mt5")).family());
        assertEquals(ForwardPass.T5, Architecture.of(config("mt5")).forwardPass());
        assertEquals("llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, mixtral, qwen2_moe", Architecture.typesRunBy(ForwardPass.LLAMA));
        assertEquals("llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, mixtral, qwen2_moe (decoder); bert, xlm-roberta (encoder); BertForSequenceClassification, XLMRobertaForSequenceClassification (cross-encoder reranker); t5, mt5 (encoder-decoder)", Architecture.scorable());
    }

    @Test
    void sequenceClassificationHeadsAreRerankers() {
        for (var c : new ObjectNode[] {config("bert", "BertForSequenceClassification"),
                config("xlm-roberta", "XLMRobertaForSequenceClassification")}) {
            Architecture a = Architecture.of(c);
            assertEquals(ModelFamily.RERANKER, a.family());
            assertFalse(a.sentenceTransformers(), "a cross-encoder is not a sentence-transformers embedder");
            assertEquals(ForwardPass.BERT, a.forwardPass());
        }
    }

    @Test
    void unknownTypesMergeByNamesAndSayWhatCanBeScored() {
        Architecture gpt2 = Architecture.of(config("gpt2"));
        assertEquals(ModelFamily.OTHER, gpt2.family());
        assertEquals(ForwardPass.NONE, gpt2.forwardPass());
        assertEquals(Architecture.TensorNames.LAYERS, gpt2.tensors());
        String m = gpt2.cannotScore("x/config.json").getMessage();
        assertTrue(m.startsWith("x/config.json: model_type 'gpt2'") && m.contains("llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, mixtral, qwen2_moe (decoder); bert, xlm-roberta (encoder); BertForSequenceClassification, XLMRobertaForSequenceClassification (cross-encoder reranker); t5, mt5 (encoder-decoder)"), m);
        m = Architecture.of(config("roberta")).cannotScore("p").getMessage();
        assertTrue(m.contains("'roberta' (encoder) has no forward pass here yet"), m);
    }

    @Test
    void tensorPlaces() {
        Architecture.TensorNames n = Architecture.of(config("llama")).tensors();
        Architecture.LayerTensor l = n.layerOf("model.layers.12.mlp.up_proj.weight");
        assertEquals(12, l.index());
        assertEquals("model.layers.3.mlp.up_proj.weight", l.inLayer(3));
        assertEquals(0, n.layerOf("bert.encoder.layer.0.output.dense.weight").index());
        assertNull(n.layerOf("model.norm.weight"));
        assertTrue(n.isEmbedding("model.embed_tokens.weight"));
        assertFalse(n.isEmbedding("lm_head.weight"));
        Architecture.TensorNames t5 = Architecture.of(config("t5")).tensors();
        assertEquals(5, t5.layerOf("decoder.block.5.layer.1.EncDecAttention.q.weight").index());
        assertTrue(t5.isEmbedding("shared.weight"));
        assertFalse(t5.isEmbedding("decoder.final_layer_norm.weight"));
    }
}
