package dev.cocktail.bench;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Json;
import dev.cocktail.engine.SafetensorsWriter;
import dev.cocktail.engine.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random model of a PrefillShape, written as a Hugging Face directory in BF16 or F32: matrices
 * uniform with the shape's standard deviation, norm scales uniform in [0.75, 1.25] (Gemma stores
 * scale - 1), so that a norm written to the wrong place in the GGUF shows in the logits.
 */
final class PrefillModel {
    private PrefillModel() {}

    static void write(PrefillShape shape, Path dir, DType dtype, long seed) throws IOException {
        Files.createDirectories(dir);
        Json.writeFile(dir.resolve("config.json"), shape.config(dtype));
        SplittableRandom random = new SplittableRandom(seed);
        float bound = (float) (shape.std() * Math.sqrt(3)); // uniform on [-b, b] has standard deviation b / sqrt 3
        float normOffset = shape.family().gemma() ? 0 : 1;
        float[] chunk = new float[1 << 20];
        List<TensorSpec> plan = shape.weights().stream().map(w -> new TensorSpec(w.hf(), dtype, w.shape())).toList();
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"), plan, Map.of("format", "pt"))) {
            for (TensorSpec t : plan) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment bytes = arena.allocate(t.byteSize());
                    boolean norm = t.shape().length == 1;
                    for (long at = 0; at < t.elementCount(); at += chunk.length) {
                        int n = (int) Math.min(chunk.length, t.elementCount() - at);
                        for (int i = 0; i < n; i++) {
                            chunk[i] = norm ? normOffset + (float) random.nextDouble(-0.25, 0.25) : (float) random.nextDouble(-bound, bound);
                        }
                        Convert.fromF32(chunk, 0, n, dtype, bytes, at * dtype.byteSize());
                    }
                    w.write(t.name(), bytes);
                }
            }
            w.finish();
        }
    }
}
