package dev.cocktail.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import dev.cocktail.merge.LayerwisePlans;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Evaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accuracy by writing the candidate: eval's figure on the same candidate, and nothing left behind. */
class AccuracyEvaluatorTest {
    @TempDir
    Path tmp;

    @Test
    void accuracyOfTheWrittenCandidateAndNothingLeft() throws IOException {
        List<ModelDir> dirs = List.of("base", "ft-sort", "ft-count").stream()
                .map(n -> ModelDir.resolve(TestData.example("models/" + n).toString())).toList();
        List<Path> data = List.of(TestData.example("fewshot/sort.jsonl"), TestData.example("fewshot/count.jsonl"));
        Path scratch = Files.createDirectory(tmp.resolve("scratch"));
        try (OpenModels m = OpenModels.open(dirs); AccuracyEvaluator e = new AccuracyEvaluator(data, 2, 2048, 16, 8, scratch)) {
            for (float[] w : new float[][] {{0f, 1f, 0f}, {0f, 0f, 1f}, {0.2f, 0.4f, 0.4f}}) {
                MergePlan p = LayerwisePlans.mix(m, w, null);
                double[] got = e.evaluate(p);
                try (Stream<Path> left = Files.list(scratch)) {
                    assertEquals(0, left.count(), "the scratch candidate is removed");
                }
                Path dir = tmp.resolve("candidate-" + System.nanoTime());
                p.write(new Output(dir, false, 5_000_000_000L, false), Progress.NONE, "test");
                double[] want = new double[data.size()];
                for (int f = 0; f < want.length; f++) {
                    want[f] = Evaluation.run(ModelDir.resolve(dir.toString()), data.get(f), 2, 2048, 16, true, 8, Progress.NONE)
                            .accuracy().orElseThrow();
                }
                assertArrayEquals(want, got, 0);
            }
        }
    }

    @Test
    void encodersHaveNoAccuracy() {
        List<ModelDir> dirs = List.of("base", "ft-a").stream()
                .map(n -> ModelDir.resolve(TestData.path("cocktail-encoder/" + n).toString())).toList();
        try (OpenModels m = OpenModels.open(dirs);
             AccuracyEvaluator e = new AccuracyEvaluator(List.of(TestData.path("cocktail-encoder/examples.jsonl")), 2, 512, 16, 8, tmp)) {
            CocktailException x = assertThrows(CocktailException.class, () -> e.evaluate(LayerwisePlans.mix(m, new float[] {0.5f, 0.5f}, null)));
            assertTrue(x.getMessage().contains("decoder"), x.getMessage());
        }
    }
}
