package dev.cocktail.models;

import static dev.cocktail.models.BertFixtureTest.maxDiff;
import static dev.cocktail.models.BertFixtureTest.realRows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.tokenizer.Encoding;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * testdata/xlmr: XLM-RoBERTa's hidden states (padded rows included: their RoBERTa position is
 * pad_token_id), pooled vectors, and the logits of both reranker heads, from the fixture's token ids.
 */
class XlmrFixtureTest {

    static ModelDir model(String name) {
        return ModelDir.resolve(TestData.path("xlmr/" + name).toString());
    }

    @Test
    void encoderMatchesTheReference() {
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("xlmr/expected.safetensors"));
             Bert bert = Bert.load(model("tiny-xlmr"))) {
            BertConfig c = bert.config();
            assertTrue(c.robertaPositions() && c.padTokenId() == 1 && c.maxTokens() == 128, c.toString());
            TokenBatch batch = batch(ref, "encoder.", c.padTokenId(), false);
            assertArrayEquals(TestData.ints(ref, "encoder.input_ids"), batch.ids(), "token ids, padded with <pad>");
            int dim = c.hiddenSize();
            float[] hidden = bert.hidden(batch);
            double h = maxDiff(TestData.floats(ref, "encoder.last_hidden_state"), hidden);
            float[] states = bert.tokenStates(batch);
            double alone = maxDiff(realRows(hidden, batch, dim), states);
            double cls = maxDiff(TestData.floats(ref, "encoder.cls_normalized"), Pooling.CLS.embed(bert, batch));
            double mean = maxDiff(TestData.floats(ref, "encoder.mean_pooled_normalized"), Pooling.MEAN.embed(states, batch, dim));
            double pooler = maxDiff(TestData.floats(ref, "encoder.pooler_output"), bert.pooled(batch));
            System.out.printf("tiny-xlmr: last_hidden_state %.2e (real rows alone %.2e), cls_normalized %.2e, mean_pooled_normalized %.2e, pooler_output %.2e%n",
                    h, alone, cls, mean, pooler);
            assertTrue(h <= 1e-4, "last_hidden_state max diff " + h);
            assertTrue(alone <= 1e-6, "the real tokens' states computed without the padded rows: max diff " + alone);
            assertTrue(cls <= 1e-5, "cls_normalized max diff " + cls);
            assertTrue(mean <= 1e-5, "mean_pooled_normalized max diff " + mean);
            assertTrue(pooler <= 1e-5, "pooler_output max diff " + pooler);
        }
    }

    @Test
    void xlmrRerankerLogits() {
        rerankerLogits("tiny-xlmr-reranker", "xlmr_reranker.", false);
    }

    @Test
    void bertRerankerLogits() {
        rerankerLogits("tiny-bert-reranker", "bert_reranker.", true);
    }

    private static void rerankerLogits(String name, String prefix, boolean typeIds) {
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("xlmr/expected.safetensors"));
             Reranker reranker = Reranker.load(model(name))) {
            TokenBatch batch = batch(ref, prefix, reranker.config().padTokenId(), typeIds);
            float[] logits = reranker.scores(batch);
            double d = maxDiff(TestData.floats(ref, prefix + "logits"), logits);
            System.out.printf("%s: logits %s, max diff %.2e%n", name, Arrays.toString(logits), d);
            assertTrue(d <= 1e-4, "logits max diff " + d);
            // each pair alone, unpadded, scores as its row of the padded batch
            for (int b = 0; b < batch.batch(); b++) {
                int[] ids = Arrays.copyOfRange(batch.ids(), b * batch.seqLen(), b * batch.seqLen() + batch.lengths()[b]);
                List<int[]> types = typeIds ? List.of(Arrays.copyOfRange(batch.typeIds(), b * batch.seqLen(), b * batch.seqLen() + ids.length)) : null;
                float alone = reranker.scores(TokenBatch.of(List.of(ids), types, reranker.config().padTokenId()))[0];
                assertEquals(logits[b], alone, 1e-5, "pair " + b + " alone");
            }
        }
    }

    /** The fixture's texts and pairs through each model's own tokenizer.json give its token ids (pairs LongestFirst-truncated). */
    @Test
    void tokenizedTextsAndPairsGiveTheFixtureIds() {
        JsonNode cases = Json.readFile(TestData.path("xlmr/expected.json")).get("cases");
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("xlmr/expected.safetensors"))) {
            for (String name : List.of("tiny-xlmr", "tiny-xlmr-reranker", "tiny-bert-reranker")) {
                JsonNode c = cases.get(name);
                Tokenizer tokenizer = Tokenizer.load(TestData.path("xlmr/" + name));
                int maxLength = c.get("max_length").asInt();
                List<Encoding> encoded = new ArrayList<>();
                for (JsonNode t : c.has("texts") ? c.get("texts") : c.get("pairs")) {
                    encoded.add(t.isArray() ? tokenizer.encodePair(t.get(0).asText(), t.get(1).asText(), true, maxLength)
                            : tokenizer.encode(t.asText(), true, maxLength));
                }
                String prefix = c.get("tensor_prefix").asText();
                boolean bert = name.equals("tiny-bert-reranker");
                TokenBatch want = batch(ref, prefix, bert ? 0 : 1, bert);
                TokenBatch got = RerankerScoring.batch(encoded, bert ? 0 : 1);
                assertArrayEquals(want.ids(), got.ids(), name + " ids");
                if (bert) assertArrayEquals(want.typeIds(), got.typeIds(), name + " type ids");
            }
        }
    }

    @Test
    void rerankerWithSeveralLabelsIsRefused() {
        var json = model("tiny-xlmr-reranker").config();
        json.putObject("id2label").put("0", "no").put("1", "yes");
        json.remove("label2id");
        CocktailException e = assertThrows(CocktailException.class, () -> BertConfig.parse(json, "m/config.json"));
        assertTrue(e.getMessage().startsWith("m/config.json: a sequence classifier with 2 labels"), e.getMessage());
        json.remove("id2label");
        json.put("num_labels", 1);
        assertEquals(BertConfig.Head.ROBERTA, BertConfig.parse(json, "m/config.json").head());
    }

    @Test
    void tooManyTokensForThePositionsAreRefused() {
        try (Bert bert = Bert.load(model("tiny-xlmr"))) {
            int[] ids = new int[129];
            Arrays.fill(ids, 5);
            CocktailException e = assertThrows(CocktailException.class, () -> bert.clsStates(TokenBatch.of(List.of(ids), 1)));
            assertTrue(e.getMessage().startsWith("129 tokens are more than the 128 positions of "), e.getMessage());
            assertEquals(1, bert.clsStates(TokenBatch.of(List.of(Arrays.copyOf(ids, 128)), 1)).length / bert.config().hiddenSize());
        }
    }

    /** The fixture's sequences (ids where the attention mask is 1), padded again by TokenBatch. */
    static TokenBatch batch(Checkpoint ref, String prefix, int padId, boolean typeIds) {
        int[] ids = TestData.ints(ref, prefix + "input_ids"), mask = TestData.ints(ref, prefix + "attention_mask");
        int[] types = typeIds ? TestData.ints(ref, prefix + "token_type_ids") : null;
        int seqLen = Math.toIntExact(ref.require(prefix + "input_ids").shape()[1]);
        List<int[]> sequences = new ArrayList<>(), typeLists = typeIds ? new ArrayList<>() : null;
        for (int from = 0; from < ids.length; from += seqLen) {
            int n = 0;
            while (n < seqLen && mask[from + n] == 1) n++;
            sequences.add(Arrays.copyOfRange(ids, from, from + n));
            if (typeIds) typeLists.add(Arrays.copyOfRange(types, from, from + n));
        }
        return TokenBatch.of(sequences, typeLists, padId);
    }
}
