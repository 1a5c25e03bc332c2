package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No NaN or infinity is written into a model from options, recipes or arithmetic (issue 20, point 3). */
class NonFiniteTest {
    @TempDir
    Path tmp;

    List<ModelDir> twoModels() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        TinyModels.write(tmp.resolve("in/base"), base);
        TinyModels.write(tmp.resolve("in/a"), TinyModels.random(2, base, 0.1));
        return List.of(ModelDir.resolve(tmp.resolve("in/base").toString()), ModelDir.resolve(tmp.resolve("in/a").toString()));
    }

    Output out() {
        return new Output(tmp.resolve("out"), false, 1L << 30, false);
    }

    String refused(Runnable merge) {
        String m = assertThrows(CocktailException.class, merge::run).getMessage();
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written: " + m);
        return m;
    }

    /** NaN passed the sum check: Math.abs(NaN - 1) > 1e-3 is false. */
    @Test
    void mixWeightsAreFiniteNumbers() throws IOException {
        List<ModelDir> models = twoModels();
        String m = refused(() -> Mix.mix(new Mix.Request(models, new float[] {Float.NaN, 1}, false, null, 0, null, out()), Progress.NONE, "t"));
        assertTrue(m.contains("weight 1 is NaN"), m);
        m = refused(() -> Mix.mix(new Mix.Request(models, Weights.of(new double[] {1e39, 0}), true, null, 0, null, out()), Progress.NONE, "t"));
        assertTrue(m.contains("weight 1 is 1.0E39, not a finite float32 number"), m);
    }

    @Test
    void extrapolationAlphaAndWeightsAreFiniteInFloat32() throws IOException {
        List<ModelDir> models = twoModels();
        String m = refused(() -> Extrapolation.extrapolate(new Extrapolation.Request(models.get(0), List.of(models.get(1)), 1e39, null, null, out()),
                Progress.NONE, "t"));
        assertTrue(m.contains("alpha must be a finite float32 number"), m);
        m = refused(() -> Extrapolation.extrapolate(new Extrapolation.Request(models.get(0), List.of(models.get(1)), 0.3,
                new double[] {Double.POSITIVE_INFINITY}, null, out()), Progress.NONE, "t"));
        assertTrue(m.contains("weight 1 is Infinity"), m);
    }

    @Test
    void aLinearRecipeWhoseWeightsSumToZeroIsRefused() throws IOException {
        List<ModelDir> models = twoModels();
        Path recipe = Files.writeString(tmp.resolve("r.yml"), "models:\n  - {model: " + models.get(0).path() + ", parameters: {weight: 1}}\n"
                + "  - {model: " + models.get(1).path() + ", parameters: {weight: -1}}\nmerge_method: linear\n");
        String m = refused(() -> MergekitMerge.merge(new MergekitMerge.Request(recipe, out(), 42), Progress.NONE, "t"));
        assertTrue(m.contains("linear: the weights sum to 0.0, which normalize divides by"), m);
    }

    /** Weights each finite whose products are not: the merge stops at the first chunk that overflows, naming the tensor. */
    @Test
    void aTensorThatOverflowsFromFiniteInputsStopsTheMerge() throws IOException {
        List<ModelDir> models = twoModels();
        String m = refused(() -> Mix.mix(new Mix.Request(models, new float[] {3e38f, 3e38f}, true, null, 0, null, out()), Progress.NONE, "t"));
        assertTrue(m.matches("merging model\\.\\S+ gives -?Infinity at element \\d+ from finite inputs: .*"), m);
    }

    /** A NaN already in an input goes through (a merge does not repair models), with a warning naming the tensor. */
    @Test
    void aNaNInAnInputIsKeptAndWarnedAbout() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        Map<String, float[]> a = TinyModels.random(2, base, 0.1);
        a.get("model.norm.weight")[3] = Float.NaN;
        TinyModels.write(tmp.resolve("in/base"), base);
        TinyModels.write(tmp.resolve("in/a"), a);
        List<String> warnings = new java.util.ArrayList<>();
        Progress recording = new Progress() {
            public void start(String task, long total, String unit) {}
            public void advance(long units) {}
            public void finish() {}
            @Override
            public void warn(String message) {
                warnings.add(message);
            }
        };
        Mix.mix(new Mix.Request(TinyModels.dirs(List.of(tmp.resolve("in/base").toString(), tmp.resolve("in/a").toString())),
                new float[] {0.5f, 0.5f}, false, null, 0, null, out()), recording, "t");
        assertEquals(List.of("an input's model.norm.weight holds NaN or infinity, and so does the merged one"
                + " (cocktail inspect --check MODEL lists them)."), warnings);
        assertTrue(Float.isNaN(TinyModels.read(tmp.resolve("out")).get("model.norm.weight")[3]));
    }
}
