package dev.cocktail.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** testdata/cocktail-encoder: losses and weights of every case, from the text examples. */
class EncoderScoringTest {
    static final List<String> MODELS = List.of("base", "ft-a", "ft-b");

    @Test
    void lossesAndWeightsOfEveryCase() {
        everyCase("cocktail-encoder", Scoring.Type.ENCODER);
    }

    /** Every case of a fixture's expected.json, scored from its examples.jsonl (type from the config): losses and weights. */
    static void everyCase(String fixture, Scoring.Type type) {
        JsonNode expected = Json.readFile(TestData.path(fixture + "/expected.json"));
        List<ModelDir> models = MODELS.stream().map(m -> ModelDir.resolve(TestData.path(fixture + "/" + m).toString())).toList();
        for (JsonNode c : expected.get("cases")) {
            for (var t : c.get("weights").properties()) {
                double temperature = Double.parseDouble(t.getKey());
                Scoring.Result r = Scoring.score(models, TestData.path(fixture + "/examples.jsonl"),
                        new Scoring.Options(null, temperature, c.get("batch_size").asInt(), c.get("max_input_length").asInt(),
                                c.get("neg_number").asInt(), 42), Progress.NONE);
                assertEquals(type, r.type());
                for (int i = 0; i < MODELS.size(); i++) {
                    double want = c.get("losses").get(MODELS.get(i)).asDouble(), weight = t.getValue().get(i).asDouble();
                    System.out.printf("%s batch %d T %s %s: loss diff %.2e weight diff %.2e%n", fixture, c.get("batch_size").asInt(), t.getKey(),
                            MODELS.get(i), Math.abs(want - r.losses()[i]), Math.abs(weight - r.weights()[i]));
                    assertEquals(want, r.losses()[i], 1e-5, "loss of " + MODELS.get(i) + " at batch size " + c.get("batch_size"));
                    assertEquals(weight, r.weights()[i], 1e-6, "weight of " + MODELS.get(i) + " at T " + temperature);
                }
            }
        }
    }

    @Test
    void tooFewNegativesNameTheExample() {
        ModelDir base = ModelDir.resolve(TestData.path("cocktail-encoder/base").toString());
        CocktailException e = assertThrows(CocktailException.class, () -> Scoring.score(List.of(base),
                TestData.path("cocktail-encoder/examples.jsonl"), new Scoring.Options(null, 5, 2, 512, 4, 42), Progress.NONE));
        assertTrue(e.getMessage().contains("example 1") && e.getMessage().contains("the number of negatives"), e.getMessage());
    }
}
