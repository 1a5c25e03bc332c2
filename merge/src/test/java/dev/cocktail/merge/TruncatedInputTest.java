package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.TestData;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input truncated while the merge reads it (issue 20, point 1): the raw copy faulted in the
 * writer thread with an InternalError, which it did not catch, and the driver waited forever.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TruncatedInputTest {
    @TempDir
    Path tmp;

    static void truncate(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs the plan `merge` makes of two models, truncating the first's weights before the third write. */
    Throwable truncatedDuring(TensorMerge merge) throws IOException {
        Map<String, float[]> base = TinyModels.random(1, null, 0);
        TinyModels.write(tmp.resolve("in/base"), base);
        TinyModels.write(tmp.resolve("in/a"), TinyModels.random(2, base, 0.1));
        Path weights = tmp.resolve("in/base/model.safetensors");
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("merged");
        AtomicInteger writes = new AtomicInteger();
        Throwable failure;
        try (OpenModels m = OpenModels.open(TinyModels.dirs(List.of(tmp.resolve("in/base").toString(), tmp.resolve("in/a").toString())))) {
            List<PlannedTensor> plan = SameTensors.plan(m, 0, merge, null);
            ModelFiles files = new ModelFiles(m.dir(0), m.dir(0), m.mainDtype(0), 0, new ModelCard("test", m, List.of("a", "b"), List.of(), null, "test", TinyModels.RECIPE));
            MergeJob job = new MergeJob(plan, files, new Output(out, false, 1L << 30, false), m.paths(), 0);
            failure = assertThrows(Throwable.class, () -> MergeDriver.run(job, Progress.NONE, sink -> (name, bytes) -> {
                if (writes.incrementAndGet() == 3) truncate(weights);
                sink.write(name, bytes);
            }));
            Throwable thrown = failure;
            CocktailException named = assertThrows(CocktailException.class, () -> m.checkUnchanged(thrown));
            assertEquals(weights + ": changed or truncated while it was read.", named.getMessage());
        }
        assertEquals(List.of(), TestData.listing(tmp.resolve("out")), "no output, no staging directory, no lock");
        return failure;
    }

    @Test
    void aFaultInTheWriterFailsTheMerge() throws IOException {
        Throwable e = truncatedDuring(TensorMerge.COPY); // raw copies: the writer reads the input's map
        assertTrue(e instanceof InternalError, e.toString());
    }

    @Test
    void aShortReadInAWorkerFailsTheMerge() throws IOException {
        truncatedDuring(Mix.weightedSum(new float[] {0.5f, 0.5f})); // computed: the pool preads the inputs
    }
}
