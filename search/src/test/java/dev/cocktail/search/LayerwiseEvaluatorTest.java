package dev.cocktail.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import dev.cocktail.merge.LayerwisePlans;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Output;
import dev.cocktail.models.Scoring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer-by-layer figure of a candidate against Scoring.score on the same candidate written by
 * MergePlan.write, for LM-Cocktail, ExPO and mergekit plans.
 */
class LayerwiseEvaluatorTest {
    @TempDir
    Path tmp;

    static final Scoring.Options OPTIONS = new Scoring.Options(null, 5.0, 2, 2048, 7, 42);

    @Test
    void demoDecodersMatchTheWrittenCandidates() {
        List<ModelDir> dirs = List.of("base", "ft-sort", "ft-count").stream()
                .map(n -> ModelDir.resolve(TestData.example("models/" + n).toString())).toList();
        List<Path> data = List.of(TestData.example("fewshot/sort.jsonl"), TestData.example("fewshot/count.jsonl"));
        try (OpenModels m = OpenModels.open(dirs); LayerwiseEvaluator e = new LayerwiseEvaluator(m, data, OPTIONS)) {
            List<MergePlan> plans = new ArrayList<>();
            plans.add(LayerwisePlans.mix(m, new float[] {1f, 0f, 0f}, null));
            plans.add(LayerwisePlans.mix(m, new float[] {0.2f, 0.5f, 0.3f}, null));
            plans.add(LayerwisePlans.mix(m, new float[] {0.6f, 0.1f, 0.3f}, DType.F32));
            plans.add(LayerwisePlans.twoStep(m, new float[] {0.5f, 0.5f}, 0.4f, null));
            plans.add(LayerwisePlans.extrapolate(m, new float[] {0.5f, 0.5f}, 0.3f, null));
            plans.add(LayerwisePlans.extrapolate(m, new float[] {0.8f, 0.2f}, 0.7f, null));
            plans.add(LayerwisePlans.mergekit(m, "ties", Map.of(), new double[] {0.6, 0.4}, new double[] {0.5, 0.7}, "weight", 42));
            plans.add(LayerwisePlans.mergekit(m, "dare_ties", Map.of(), new double[] {0.5, 0.5}, new double[] {0.6, 0.6}, "weight", 7));
            plans.add(LayerwisePlans.mergekit(m, "linear", Map.of(), new double[] {0.3, 0.3, 0.4}, null, "weight", 0));
            for (MergePlan p : plans) {
                double[] fast = e.evaluate(p);
                double[] written = written(p, data);
                assertArrayEquals(written, fast, 0, p.method());
                assertArrayEquals(fast, e.evaluate(p), 0, "run twice: " + p.method());
            }
        }
    }

    @Test
    void slerpOfTwoDecoders() {
        List<ModelDir> dirs = List.of("base", "ft-sort").stream()
                .map(n -> ModelDir.resolve(TestData.example("models/" + n).toString())).toList();
        List<Path> data = List.of(TestData.example("fewshot/sort.jsonl"));
        try (OpenModels m = OpenModels.open(dirs); LayerwiseEvaluator e = new LayerwiseEvaluator(m, data, OPTIONS)) {
            for (double t : new double[] {0.0, 0.3, 0.5, 0.8, 1.0}) {
                MergePlan p = LayerwisePlans.mergekit(m, "slerp", Map.of("t", t), new double[1], null, null, 0);
                assertArrayEquals(written(p, data), e.evaluate(p), 1e-5, "slerp t=" + t);
            }
        }
    }

    @Test
    void encodersMatchTheWrittenCandidates() {
        List<ModelDir> dirs = List.of("base", "ft-a", "ft-b").stream()
                .map(n -> ModelDir.resolve(TestData.path("cocktail-encoder/" + n).toString())).toList();
        Path examples = TestData.path("cocktail-encoder/examples.jsonl");
        List<Path> data = List.of(examples, examples);
        Scoring.Options options = new Scoring.Options(null, 5, 4, 512, 3, 42);
        try (OpenModels m = OpenModels.open(dirs); LayerwiseEvaluator e = new LayerwiseEvaluator(m, data, options)) {
            List<MergePlan> plans = new ArrayList<>();
            plans.add(LayerwisePlans.mix(m, new float[] {0f, 1f, 0f}, null));
            plans.add(LayerwisePlans.mix(m, new float[] {0.2f, 0.5f, 0.3f}, null));
            plans.add(LayerwisePlans.mix(m, new float[] {0.4f, 0.3f, 0.3f}, DType.BF16));
            plans.add(LayerwisePlans.extrapolate(m, new float[] {0.5f, 0.5f}, 0.5f, DType.F16));
            plans.add(LayerwisePlans.mergekit(m, "ties", Map.of(), new double[] {0.6, 0.4}, new double[] {0.5, 0.7}, "weight", 42));
            plans.add(LayerwisePlans.mergekit(m, "dare_linear", Map.of(), new double[] {0.5, 0.5}, new double[] {0.6, 0.6}, "weight", 3));
            for (MergePlan p : plans) {
                double[] fast = e.evaluate(p);
                assertArrayEquals(written(p, data, options), fast, 0, p.method());
                assertArrayEquals(fast, e.evaluate(p), 0, "run twice: " + p.method());
            }
        }
    }

    private double[] written(MergePlan p, List<Path> data) {
        return written(p, data, OPTIONS);
    }

    /** Each data file's loss of the plan written to a directory of its own. */
    private double[] written(MergePlan p, List<Path> data, Scoring.Options options) {
        Path dir = tmp.resolve("candidate-" + System.nanoTime());
        p.write(new Output(dir, false, 5_000_000_000L, false), Progress.NONE, "test");
        double[] out = new double[data.size()];
        for (int f = 0; f < out.length; f++) {
            out[f] = Scoring.score(List.of(ModelDir.resolve(dir.toString())), data.get(f), options, Progress.NONE).losses()[0];
        }
        assertEquals(data.size(), out.length);
        return out;
    }
}
