package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * testdata/cocktail-seq2seq from the examples' ids: LM-Cocktail's batches, every case's batch
 * losses, model losses and weights (1e-6), and the mistakes the fixture is built to catch.
 */
class Seq2SeqScoringTest {
    static final List<String> MODELS = List.of("base", "ft-a", "ft-b");
    final JsonNode expected = Json.readFile(TestData.path("cocktail-seq2seq/expected.json"));

    static List<Seq2SeqScoring.Prepared> examples() {
        List<Seq2SeqScoring.Prepared> out = new ArrayList<>();
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("cocktail-seq2seq/expected.safetensors"))) {
            for (int i = 0; i < 6; i++) {
                out.add(new Seq2SeqScoring.Prepared(TestData.ints(ref, "ex" + i + ".input_ids"), TestData.ints(ref, "ex" + i + ".labels")));
            }
        }
        return out;
    }

    static T5 load(String name) {
        return T5.load(ModelDir.resolve(TestData.path("cocktail-seq2seq/" + name).toString()));
    }

    /** The base model's Unigram tokenizer gives LM-Cocktail's ids: `$A </s>`, truncated to the first max - 1 tokens then `</s>`. */
    @Test
    void idsAreLmCocktails() {
        Tokenizer tokenizer = Tokenizer.load(TestData.path("cocktail-seq2seq/base"));
        List<Examples.Decoder> texts = Examples.decoder(TestData.path("cocktail-seq2seq/examples.jsonl"));
        List<Seq2SeqScoring.Prepared> prepared = Seq2SeqScoring.prepare(texts, tokenizer, 2048), want = examples();
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i).input(), prepared.get(i).input(), "input of example " + i);
            assertArrayEquals(want.get(i).labels(), prepared.get(i).labels(), "labels of example " + i);
        }
        List<Seq2SeqScoring.Prepared> cut = Seq2SeqScoring.prepare(texts, tokenizer, 10);
        for (int i = 0; i < want.size(); i++) {
            int[] full = want.get(i).input(), input = cut.get(i).input();
            int[] expectedInput = full.length <= 10 ? full : Arrays.copyOf(Arrays.copyOf(full, 9), 10);
            if (full.length > 10) expectedInput[9] = 1;
            assertArrayEquals(expectedInput, input, "input of example " + i + " cut to 10");
        }
    }

    /** Scoring from the text examples, the type read from config.json: every case's losses and weights within 1e-6. */
    @Test
    void scoringFromTheTexts() {
        List<ModelDir> models = MODELS.stream().map(m -> ModelDir.resolve(TestData.path("cocktail-seq2seq/" + m).toString())).toList();
        for (JsonNode c : expected.get("cases")) {
            Scoring.Result r = Scoring.score(models, TestData.path("cocktail-seq2seq/examples.jsonl"),
                    new Scoring.Options(null, 5.0, c.get("batch_size").asInt(), c.get("max_input_length").asInt(), 7, 42), Progress.NONE);
            assertEquals(Scoring.Type.ENCODER_DECODER, r.type());
            for (int i = 0; i < MODELS.size(); i++) {
                assertEquals(c.get("losses").get(MODELS.get(i)).asDouble(), r.losses()[i], 1e-6, MODELS.get(i));
                assertEquals(c.get("weights").get("5.0").get(i).asDouble(), r.weights()[i], 1e-6, MODELS.get(i));
            }
        }
    }

    /** Our padded batches are LM-Cocktail's: inputs padded with 0 (mask 0), labels padded with -100. */
    @Test
    void batchesAreLmCocktails() {
        List<Seq2SeqScoring.Prepared> examples = examples();
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("cocktail-seq2seq/expected.safetensors"))) {
            for (JsonNode c : expected.get("cases")) {
                int batchSize = c.get("batch_size").asInt();
                for (int j = 0, from = 0; from < examples.size(); j++, from += batchSize) {
                    List<Seq2SeqScoring.Prepared> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
                    TokenBatch input = TokenBatch.of(batch.stream().map(Seq2SeqScoring.Prepared::input).toList(), 0);
                    TokenBatch labels = TokenBatch.of(batch.stream().map(Seq2SeqScoring.Prepared::labels).toList(), DecoderScoring.IGNORED);
                    int[] mask = new int[input.rows()];
                    for (int b = 0; b < input.batch(); b++) Arrays.fill(mask, b * input.seqLen(), b * input.seqLen() + input.lengths()[b], 1);
                    String p = c.get("tag").asText() + ".batch" + j + ".";
                    assertArrayEquals(TestData.ints(ref, p + "input_ids"), input.ids(), p + "input_ids");
                    assertArrayEquals(TestData.ints(ref, p + "attention_mask"), mask, p + "attention_mask");
                    assertArrayEquals(TestData.ints(ref, p + "labels"), labels.ids(), p + "labels");
                }
            }
        }
    }

    @Test
    void lossesAndWeightsOfEveryCase() {
        List<Seq2SeqScoring.Prepared> examples = examples();
        for (JsonNode c : expected.get("cases")) {
            int batchSize = c.get("batch_size").asInt();
            double[] losses = new double[MODELS.size()];
            for (int i = 0; i < MODELS.size(); i++) {
                String name = MODELS.get(i);
                try (T5 model = load(name)) {
                    JsonNode batchLosses = c.get("batch_losses").get(name);
                    for (int j = 0; j < batchLosses.size(); j++) {
                        int from = j * batchSize;
                        double loss = Seq2SeqScoring.batchLoss(model, examples.subList(from, Math.min(examples.size(), from + batchSize)), from);
                        assertEquals(batchLosses.get(j).asDouble(), loss, 1e-5, name + " batch " + j + " at batch size " + batchSize);
                    }
                    losses[i] = Seq2SeqScoring.loss(model, examples, batchSize, Progress.NONE);
                }
                double want = c.get("losses").get(name).asDouble();
                assertEquals(want, losses[i], 1e-6, "loss of " + name + " at batch size " + batchSize);
                System.out.printf("batch %d %s: loss diff %.2e%n", batchSize, name, Math.abs(want - losses[i]));
            }
            for (var t : c.get("weights").properties()) {
                float[] weights = Scoring.weights(losses, Double.parseDouble(t.getKey()));
                for (int i = 0; i < MODELS.size(); i++) {
                    assertEquals(t.getValue().get(i).asDouble(), weights[i], 1e-6, "weight of " + MODELS.get(i) + " at T " + t.getKey());
                }
            }
        }
    }

    /** Each example alone gives the reference's per-token losses: padding and batching change nothing. */
    @Test
    void tokenLossesOfEachExample() {
        List<Seq2SeqScoring.Prepared> examples = examples();
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("cocktail-seq2seq/expected.safetensors")); T5 model = load("ft-b")) {
            for (int i = 0; i < examples.size(); i++) {
                float[] nll = TestData.floats(ref, "ft-b.ex" + i + ".token_nll");
                double mean = 0;
                for (float v : nll) mean += v;
                mean /= nll.length;
                assertEquals(mean, Seq2SeqScoring.batchLoss(model, examples.subList(i, i + 1), i), 1e-5, "example " + i);
            }
        }
    }
}
