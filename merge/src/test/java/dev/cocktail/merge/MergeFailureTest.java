package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures leave nothing behind; incompatible inputs and bad recipes are refused before any byte is written. */
class MergeFailureTest {
    @TempDir
    Path tmp;

    private List<String> twoModels() throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        TinyModels.write(tmp.resolve("in/base"), base);
        TinyModels.write(tmp.resolve("in/a"), TinyModels.random(2, base, 0.1));
        return List.of(tmp.resolve("in/base").toString(), tmp.resolve("in/a").toString());
    }

    @Test
    void anIoErrorHalfwayLeavesNoOutputAndNoTemporaryFiles() throws IOException {
        List<String> models = twoModels();
        Path out = tmp.resolve("out/merged");
        Files.createDirectories(out.getParent());
        AtomicInteger written = new AtomicInteger();
        try (OpenModels m = OpenModels.open(TinyModels.dirs(models))) {
            List<PlannedTensor> plan = SameTensors.plan(m, 0, Mix.weightedSum(new float[] {0.5f, 0.5f}), null);
            ModelFiles files = new ModelFiles(m.dir(0), m.dir(0), m.mainDtype(0), 0,
                    new ModelCard("test", m, List.of("a", "b"), List.of(), null, "test", TinyModels.RECIPE));
            MergeJob job = new MergeJob(plan, files, new Output(out, false, 300, false), m.paths(), 0);
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> MergeDriver.run(job, Progress.NONE,
                    sink -> (name, bytes) -> {
                        if (written.incrementAndGet() == 4) throw new UncheckedIOException(new IOException("disk full (injected)"));
                        sink.write(name, bytes);
                    }));
            assertTrue(e.getMessage().contains("injected"));
        }
        assertEquals(4, written.get(), "three tensors were written, into several shards, before the failure");
        assertEquals(List.of(), TestData.listing(tmp.resolve("out")), "no output directory, no staging directory");
    }

    @Test
    void mismatchedModelsAreNamedBeforeAnythingIsWritten() throws IOException {
        List<String> models = twoModels();
        Map<String, float[]> other = TinyModels.random(3, null, 0);
        other.remove("model.norm.weight");
        TinyModels.write(tmp.resolve("in/other"), other);
        Path out = tmp.resolve("out");
        CocktailException e = assertThrows(CocktailException.class, () -> Mix.mix(new Mix.Request(
                TinyModels.dirs(List.of(models.get(0), tmp.resolve("in/other").toString())), new float[] {0.5f, 0.5f}, false, null, 0, null,
                new Output(out, false, 1L << 30, false)), Progress.NONE, "test"));
        assertTrue(e.getMessage().contains("lacks tensor 'model.norm.weight'"), e.getMessage());
        assertTrue(!Files.exists(out));
    }

    @Test
    void vocabularySizeMismatchIsNamed() throws IOException {
        List<String> models = twoModels();
        TinyModels.write(tmp.resolve("in/big-vocab"), TinyModels.random(4, null, 0), 7);
        CocktailException e = assertThrows(CocktailException.class, () -> Mix.mix(new Mix.Request(
                TinyModels.dirs(List.of(models.get(0), tmp.resolve("in/big-vocab").toString())), new float[] {0.5f, 0.5f}, false, null, 0, null,
                new Output(tmp.resolve("out"), false, 1L << 30, false)), Progress.NONE, "test"));
        assertTrue(e.getMessage().contains("vocab_size 7 (not 6)") && e.getMessage().contains("'model.embed_tokens.weight' is [7, 8]"),
                e.getMessage());
        Path dec = TestData.path("cocktail-decoder/base"), enc = TestData.path("cocktail-encoder/base");
        CocktailException d = assertThrows(CocktailException.class, () -> Mix.mix(new Mix.Request(
                TinyModels.dirs(List.of(dec.toString(), enc.toString())), new float[] {0.5f, 0.5f}, false, null, 0, null,
                new Output(tmp.resolve("out"), false, 1L << 30, false)), Progress.NONE, "test"));
        assertTrue(d.getMessage().contains("lacks") && d.getMessage().contains("extra"), d.getMessage());
        assertTrue(!Files.exists(tmp.resolve("out")));
    }

    @Test
    void weightsMustSumToOneUnlessAllowed() throws IOException {
        List<String> models = twoModels();
        CocktailException e = assertThrows(CocktailException.class, () -> Mix.mix(new Mix.Request(TinyModels.dirs(models),
                new float[] {0.5f, 0.6f}, false, null, 0, null, new Output(tmp.resolve("out"), false, 1L << 30, false)), Progress.NONE, "test"));
        assertTrue(e.getMessage().contains("allow unnormalized weights"), e.getMessage());
        Mix.mix(new Mix.Request(TinyModels.dirs(models), new float[] {0.5f, 0.6f}, true, null, 0, null, new Output(tmp.resolve("out"), false, 1L << 30, false)),
                Progress.NONE, "test");
        assertTrue(Files.isRegularFile(tmp.resolve("out/model.safetensors")));
        CocktailException again = assertThrows(CocktailException.class, () -> Mix.mix(new Mix.Request(TinyModels.dirs(models),
                new float[] {0.5f, 0.5f}, false, null, 0, null, new Output(tmp.resolve("out"), false, 1L << 30, false)), Progress.NONE, "test"));
        assertTrue(again.getMessage().endsWith("already exists; allow replacing it."), again.getMessage());
    }

    @Test
    void badRecipesNameTheProblem() {
        String where = "r.yml";
        assertTrue(assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                models: [{model: a}]
                merge_method: linear
                colour: red
                """, where)).getMessage().contains("unknown key 'colour'"));
        assertTrue(assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                models: [{model: a}]
                merge_method: frankenstein
                """, where)).getMessage().contains("unknown merge_method 'frankenstein'"));
        assertTrue(assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                models: [{model: a, parameters: {weight: 1, densty: 0.5}}]
                merge_method: ties
                """, where)).getMessage().contains("parameter 'densty'"));
        assertTrue(assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                models: [{model: a, layers: 3}]
                merge_method: linear
                """, where)).getMessage().contains("unknown key 'layers'"));
        assertTrue(assertThrows(CocktailException.class, () -> MergekitConfig.parse("models: [a\n", where))
                .getMessage().contains("not valid YAML"));
        assertTrue(assertThrows(CocktailException.class, () -> MergekitConfig.parse("""
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 2]}
                      - {model: b, layer_range: [0, 3]}
                merge_method: slerp
                """, where)).getMessage().contains("same number of layers"));
    }

    @Test
    void aMissingRequiredParameterIsNamed() throws IOException {
        List<String> models = twoModels();
        Path cfg = tmp.resolve("r.yml");
        Files.writeString(cfg, "models:\n  - model: " + models.get(1) + "\nbase_model: " + models.get(0) + "\nmerge_method: ties\n");
        CocktailException e = assertThrows(CocktailException.class, () -> MergekitMerge.merge(
                new MergekitMerge.Request(cfg, new Output(tmp.resolve("out"), false, 1L << 30, false), 42), Progress.NONE, "test"));
        assertTrue(e.getMessage().contains("parameter 'weight' is required"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("out")));
    }
}
