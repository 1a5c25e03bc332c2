package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.tokenizer.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** testdata/cocktail-decoder: ids and labels, then losses and weights of every case, from the text examples. */
class DecoderScoringTest {
    static final List<String> MODELS = List.of("base", "ft-a", "ft-b");
    final JsonNode expected = Json.readFile(TestData.path("cocktail-decoder/expected.json"));

    @Test
    void idsAndLabelsAreLmCocktails() {
        Tokenizer tokenizer = Tokenizer.load(TestData.path("cocktail-decoder/base"));
        List<DecoderScoring.Prepared> prepared = DecoderScoring.prepare(
                Examples.decoder(TestData.path("cocktail-decoder/examples.jsonl")), tokenizer, 2048);
        try (Checkpoint ref = Checkpoint.openFile(TestData.path("cocktail-decoder/expected.safetensors"))) {
            assertEquals(7, prepared.size());
            for (int i = 0; i < prepared.size(); i++) {
                assertArrayEquals(TestData.ints(ref, "ex" + i + ".input_ids"), prepared.get(i).ids(), "ids of example " + i);
                assertArrayEquals(TestData.ints(ref, "ex" + i + ".labels"), prepared.get(i).labels(), "labels of example " + i);
            }
        }
    }

    @Test
    void weightsMappedByTheCallerGiveTheSameLossesAndStayMapped() {
        List<ModelDir> models = MODELS.stream().map(m -> ModelDir.resolve(TestData.path("cocktail-decoder/" + m).toString())).toList();
        Scoring.Options options = new Scoring.Options(null, 5.0, 2, 2048, 7, 42);
        Scoring.Result own = Scoring.score(models, TestData.path("cocktail-decoder/examples.jsonl"), options, Progress.NONE);
        List<Checkpoint> mapped = models.stream().map(ModelDir::openCheckpoint).toList();
        try {
            Scoring.Result shared = Scoring.score(models, mapped, TestData.path("cocktail-decoder/examples.jsonl"), options, Progress.NONE);
            assertArrayEquals(own.losses(), shared.losses(), "bit-identical losses");
            for (Checkpoint c : mapped) c.tensors().getFirst().data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
        } finally {
            mapped.forEach(Checkpoint::close);
        }
    }

    @Test
    void lossesAndWeightsOfEveryCase() {
        List<ModelDir> models = MODELS.stream().map(m -> ModelDir.resolve(TestData.path("cocktail-decoder/" + m).toString())).toList();
        for (JsonNode c : expected.get("cases")) {
            int batchSize = c.get("batch_size").asInt();
            for (var t : c.get("weights").properties()) {
                double temperature = Double.parseDouble(t.getKey());
                Scoring.Result r = Scoring.score(models, TestData.path("cocktail-decoder/examples.jsonl"),
                        new Scoring.Options(null, temperature, batchSize, c.get("max_input_length").asInt(), 7, 42), Progress.NONE);
                assertEquals(Scoring.Type.DECODER, r.type());
                for (int i = 0; i < MODELS.size(); i++) {
                    double want = c.get("losses").get(MODELS.get(i)).asDouble();
                    assertEquals(want, r.losses()[i], 1e-5, "loss of " + MODELS.get(i) + " at batch size " + batchSize);
                    assertEquals(t.getValue().get(i).asDouble(), r.weights()[i], 1e-6, "weight of " + MODELS.get(i) + " at T " + temperature);
                    System.out.printf("batch %d T %s %s: loss diff %.2e weight diff %.2e%n", batchSize, t.getKey(), MODELS.get(i),
                            Math.abs(want - r.losses()[i]), Math.abs(t.getValue().get(i).asDouble() - r.weights()[i]));
                }
            }
        }
    }

    @Test
    void batchingIsInvisible() {
        Tokenizer tokenizer = Tokenizer.load(TestData.path("cocktail-decoder/base"));
        List<DecoderScoring.Prepared> examples = DecoderScoring.prepare(
                Examples.decoder(TestData.path("cocktail-decoder/examples.jsonl")), tokenizer, 2048);
        try (Llama model = Llama.load(ModelDir.resolve(TestData.path("cocktail-decoder/ft-a").toString()))) {
            double weighted = 0;
            int labels = 0;
            for (int i = 0; i < examples.size(); i++) {
                int n = (int) java.util.Arrays.stream(examples.get(i).labels()).skip(1).filter(l -> l != DecoderScoring.IGNORED).count();
                weighted += n * DecoderScoring.batchLoss(model, examples.subList(i, i + 1), i);
                labels += n;
            }
            double batched = DecoderScoring.batchLoss(model, examples, 0);
            assertEquals(weighted / labels, batched, 1e-5, "one batch of 7 sequences of different lengths vs one by one");
        }
    }
}
