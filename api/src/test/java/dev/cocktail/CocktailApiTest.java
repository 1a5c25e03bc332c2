package dev.cocktail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.models.Evaluation;
import dev.cocktail.models.Scoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo through the Java API alone, as an application would call it: no command line. */
class CocktailApiTest {
    static final Path ROOT = root();
    static final List<String> MODELS = List.of("base", "ft-sort", "ft-count").stream()
            .map(m -> ROOT.resolve("examples/models").resolve(m).toString()).toList();

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(p.resolve("examples/models"))) p = p.getParent();
        return p;
    }

    @Test
    void mixWithDataScoresThenMergesAndEvalReadsTheResult(@TempDir Path tmp) {
        Path out = tmp.resolve("cocktail-sort");
        Scoring.Result r = Cocktail.mixWithData(MODELS, ROOT.resolve("examples/fewshot/sort.jsonl"), out, Cocktail.Options.DEFAULTS);
        float[] want = {0.240318f, 0.607223f, 0.152460f}; // the demo's weights (README, examples/results.json)
        for (int i = 0; i < want.length; i++) assertEquals(want[i], r.weights()[i], 1e-5, "weight of " + MODELS.get(i));
        assertTrue(Files.exists(out.resolve("model.safetensors")));

        Scoring.Result again = Cocktail.score(MODELS, ROOT.resolve("examples/fewshot/sort.jsonl"), Cocktail.Options.DEFAULTS.withTemperature(1));
        assertEquals(r.losses()[1], again.losses()[1], 0, "the same losses, whatever the temperature");
        assertTrue(again.weights()[1] > r.weights()[1], "a lower temperature favors the lowest loss");

        Evaluation.Result e = Cocktail.eval(out.toString(), ROOT.resolve("examples/fewshot/sort.jsonl"), true, Cocktail.Options.DEFAULTS);
        assertEquals(5, e.examples());
        assertTrue(e.accuracy().isPresent());
    }

    @Test
    void mixMergeExtrapolateAndEmbed(@TempDir Path tmp) throws Exception {
        Cocktail.mix(MODELS.subList(0, 2), new double[] {0.5, 0.5}, tmp.resolve("mix"), Cocktail.Options.DEFAULTS);
        assertTrue(Files.exists(tmp.resolve("mix/model.safetensors")));

        Path recipe = tmp.resolve("ties.yml");
        Files.writeString(recipe, Files.readString(ROOT.resolve("examples/ties.yml")).replace("examples/models/", ROOT.resolve("examples/models") + "/"));
        Cocktail.merge(recipe, tmp.resolve("ties"), Cocktail.Options.DEFAULTS);
        assertTrue(Files.exists(tmp.resolve("ties/model.safetensors")));

        Cocktail.extrapolate(MODELS.get(0), MODELS.subList(1, 2), 0.3, tmp.resolve("expo"), Cocktail.Options.DEFAULTS);
        assertTrue(Files.exists(tmp.resolve("expo/model.safetensors")));

        List<float[]> e = Cocktail.embed(ROOT.resolve("testdata/bert/tiny-bert").toString(), List.of("hello world"), Cocktail.Options.DEFAULTS);
        double norm = 0;
        for (float v : e.get(0)) norm += v * v;
        assertEquals(1, norm, 1e-5, "normalized");

        CocktailException existing = assertThrows(CocktailException.class,
                () -> Cocktail.mix(MODELS.subList(0, 2), new double[] {0.5, 0.5}, tmp.resolve("mix"), Cocktail.Options.DEFAULTS));
        assertTrue(existing.getMessage().contains("mix"), existing.getMessage());
        Cocktail.mix(MODELS.subList(0, 2), new double[] {0.5, 0.5}, tmp.resolve("mix"), Cocktail.Options.DEFAULTS.withReplace(true));
    }
}
