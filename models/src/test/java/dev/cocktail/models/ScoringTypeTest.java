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
        assertEquals(Scoring.Type.ENCODER, Scoring.typeOf(model("{\"model_type\": \"bert\", \"architectures\": [\"BertModel\"]}")));
    }

    @Test
    void othersSayWhatCanBeScored() throws IOException {
        String unknown = assertThrows(CocktailException.class, () -> Scoring.typeOf(model("{\"model_type\": \"gpt2\"}"))).getMessage();
        assertTrue(unknown.startsWith("m/config.json: model_type 'gpt2' is not in the table of architectures")
                && unknown.endsWith("scoring works for llama, mistral, qwen2 (decoder); bert (encoder)."), unknown);
        String reranker = assertThrows(CocktailException.class, () -> Scoring.typeOf(
                model("{\"model_type\": \"bert\", \"architectures\": [\"BertForSequenceClassification\"]}"))).getMessage();
        assertTrue(reranker.contains("BertForSequenceClassification (cross-encoder reranker) has no forward pass here yet"), reranker);
    }

    @Test
    void configParsersRefuseOtherPasses() throws IOException {
        var e = assertThrows(CocktailException.class, () -> LlamaConfig.parse(LlamaConfigTest.base("gemma2"), "c"));
        assertTrue(e.getMessage().contains("'gemma2' is not a Llama-family model (llama, mistral, qwen2)"), e.getMessage());
        e = assertThrows(CocktailException.class, () -> BertConfig.parse(LlamaConfigTest.base("llama"), "c"));
        assertTrue(e.getMessage().contains("model_type 'llama' (decoder) is not run by the BERT encoder (bert)"), e.getMessage());
    }
}
