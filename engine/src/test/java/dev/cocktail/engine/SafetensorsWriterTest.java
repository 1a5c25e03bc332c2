package dev.cocktail.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written around the page cache (O_DIRECT, aligned and truncated) and through it are the same bytes. */
class SafetensorsWriterTest {

    @Test
    void directAndBufferedWritesGiveTheSameFile(@TempDir Path tmp) throws IOException {
        int[] sizes = {3_000_001, 5, 2_000_000, 1}; // 20 MB in all: the staging buffer fills and is written mid-tensor
        List<TensorSpec> plan = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) plan.add(new TensorSpec("x" + i, DType.F32, new long[] {sizes[i]}));
        for (boolean direct : new boolean[] {true, false}) {
            try (SafetensorsWriter w = SafetensorsWriter.create(tmp.resolve(direct + ".safetensors"), plan, Map.of(), direct)) {
                for (int i = 0; i < sizes.length; i++) {
                    float[] v = new float[sizes[i]];
                    for (int j = 0; j < v.length; j++) v[j] = i * 1e7f + j;
                    w.write("x" + i, MemorySegment.ofArray(v));
                }
                w.finish();
            }
        }
        Path direct = tmp.resolve("true.safetensors"), buffered = tmp.resolve("false.safetensors");
        long expected = SafetensorsWriter.header(plan, Map.of()).length + 4L * (3_000_001 + 5 + 2_000_000 + 1);
        assertEquals(expected, Files.size(direct), "the padding of the last aligned write is cut off");
        assertEquals(-1, Files.mismatch(direct, buffered));
        try (Checkpoint back = Checkpoint.openFile(direct)) {
            float[] last = new float[5];
            back.require("x1").toF32(0, last, 0, 5);
            assertEquals(1e7f + 4, last[4]);
        }
    }
}
