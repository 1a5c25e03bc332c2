package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which scoring a model gets comes from the table of architectures; what cannot be scored says what can. */
class ScoringTypeTest {
    @TempDir
    Path tmp;

    private ModelDir model(String config) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m" + config.hashCode()));
        Files.writeString(dir.resolve("config.json"), config);
        return new ModelDir(dir, "m");
    }

    @Test
    void familiesWithAForwardPassAreScored() throws IOException {
        assertEquals(Scoring.Type.DECODER, Scoring.typeOf(model("{\"model_type\": \"mistral\"}")));
        for (String t : new String[] {"qwen3", "gemma2", "gemma3_text", "phi3"}) {
            assertEquals(Scoring.Type.DECODER, Scoring.typeOf(model("{\"model_type\": \"" + t + "\"}")), t);
        }
        assertEquals(Scoring.Type.ENCODER, Scoring.typeOf(model("{\"model_type\": \"bert\", \"architectures\": [\"BertModel\"]}")));
        assertEquals(Scoring.Type.ENCODER_DECODER, Scoring.typeOf(model("{\"model_type\": \"mt5\"}")));
        assertEquals(Scoring.Type.ENCODER, Scoring.typeOf(model("{\"model_type\": \"xlm-roberta\"}")));
        assertEquals(Scoring.Type.RERANKER, Scoring.typeOf(
                model("{\"model_type\": \"bert\", \"architectures\": [\"BertForSequenceClassification\"]}")));
        assertEquals(Scoring.Type.RERANKER, Scoring.typeOf(
                model("{\"model_type\": \"xlm-roberta\", \"architectures\": [\"XLMRobertaForSequenceClassification\"]}")));
    }

    @Test
    void othersSayWhatCanBeScored() throws IOException {
        String unknown = assertThrows(CocktailException.class, () -> Scoring.typeOf(model("{\"model_type\": \"gpt2\"}"))).getMessage();
        assertTrue(unknown.startsWith("m/config.json: model_type 'gpt2' is not in the table of architectures")
                && unknown.endsWith("scoring works for llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, mixtral, qwen2_moe (decoder); bert, xlm-roberta (encoder); BertForSequenceClassification, XLMRobertaForSequenceClassification (cross-encoder reranker); t5, mt5 (encoder-decoder)."), unknown);
        String roberta = assertThrows(CocktailException.class, () -> Scoring.typeOf(model("{\"model_type\": \"roberta\"}"))).getMessage();
        assertTrue(roberta.contains("model_type 'roberta' (encoder) has no forward pass here yet"), roberta);
    }

    @Test
    void configParsersRefuseOtherPasses() throws IOException {
        var e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(LlamaConfigTest.base("bert"), "c"));
        assertTrue(e.getMessage().contains("'bert' is not a Llama-style decoder (llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, mixtral, qwen2_moe)"), e.getMessage());
        e = assertThrows(CocktailException.class, () -> BertConfig.parse(LlamaConfigTest.base("llama"), "c"));
        assertTrue(e.getMessage().contains("model_type 'llama' (decoder) is not run by the BERT encoder (bert, xlm-roberta)"), e.getMessage());
    }
}
