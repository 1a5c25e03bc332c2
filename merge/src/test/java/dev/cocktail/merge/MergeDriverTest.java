package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeDriverTest {
    @TempDir
    Path tmp;

    /** Tensors larger than a slice (16 MB) are computed and written a slice at a time, and come out whole. */
    @Test
    void tensorsLargerThanASliceComeOutWhole() throws IOException {
        int vocab = 600_000; // embeddings and head of 4.8M F32 values, 19.2 MB: two slices each
        Random r = new Random(7);
        Map<String, float[]> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
        TinyModels.SHAPES.forEach((n, shape) -> {
            int size = (int) (shape[0] == 6 ? (long) vocab * shape[1] : Tensor.elementCount(shape));
            float[] x = new float[size], y = new float[size];
            for (int i = 0; i < size; i++) {
                x[i] = (float) r.nextGaussian();
                y[i] = (float) r.nextGaussian();
            }
            a.put(n, x);
            b.put(n, y);
        });
        TinyModels.write(tmp.resolve("a"), a, vocab);
        TinyModels.write(tmp.resolve("b"), b, vocab);
        AtomicInteger embedWrites = new AtomicInteger();
        try (OpenModels m = OpenModels.open(TinyModels.dirs(List.of(tmp.resolve("a").toString(), tmp.resolve("b").toString())))) {
            List<PlannedTensor> plan = SameTensors.plan(m, 0, Mix.weightedSum(new float[] {0.25f, 0.75f}), null);
            ModelFiles files = new ModelFiles(m.dir(0), m.dir(0), m.mainDtype(0), 0,
                    new ModelCard("test", m, List.of("a", "b"), List.of(), null, "test", TinyModels.RECIPE));
            MergeJob job = new MergeJob(plan, files, new Output(tmp.resolve("out"), false, 1L << 30, false), m.paths(), 0);
            MergeDriver.run(job, Progress.NONE, sink -> (name, bytes) -> {
                if (name.equals("model.embed_tokens.weight")) embedWrites.incrementAndGet();
                sink.write(name, bytes);
            });
        }
        assertEquals(2, embedWrites.get(), "the embeddings went out in two slices");
        Map<String, float[]> out = TinyModels.read(tmp.resolve("out"));
        assertEquals(a.keySet(), out.keySet());
        for (String n : a.keySet()) {
            float[] x = a.get(n), y = b.get(n), want = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                float acc = 0.25f * x[i];
                want[i] = acc + 0.75f * y[i];
            }
            assertArrayEquals(want, out.get(n), n);
        }
    }
}
