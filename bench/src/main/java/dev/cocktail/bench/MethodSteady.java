package dev.cocktail.bench;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.merge.MergekitConfig;
import dev.cocktail.merge.MergekitMerge;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.Output;
import dev.cocktail.merge.TensorSink;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The steady state of a merge method: one recipe merged RUNS times in one JVM, so that the later runs
 * show the method's arithmetic without the JVM's start and the JIT's warm-up. Prints each run's wall
 * seconds. bench/methods-bench.sh's recipes are meant, with the output in tmpfs.
 * MODES, comma-separated, alternate from run to run: `file` writes the model to OUTPUT_DIR (replaced each
 * time), `null` computes every output byte and hands it to a sink that drops it (the merge's CPU part
 * without the output's write), `check` merges once into OUTPUT_DIR and once into a sink that takes a CRC
 * of each tensor, and fails unless the two agree (so that the null sink measures the same work).
 * Usage: java --add-modules jdk.incubator.vector -Dcocktail.threads=2 -cp cli/target/cocktail.jar:CLASSES
 *        dev.cocktail.bench.MethodSteady RECIPE.yml OUTPUT_DIR RUNS [MODES=file]
 */
public final class MethodSteady {
    private MethodSteady() {}

    public static void main(String[] args) throws IOException {
        Path recipe = Path.of(args[0]), out = Path.of(args[1]);
        int runs = Integer.parseInt(args[2]);
        String[] modes = (args.length > 3 ? args[3] : "file").split(",");
        for (int r = 0; r < runs; r++) {
            String mode = modes[r % modes.length];
            delete(out);
            long t0 = System.nanoTime();
            switch (mode) {
                case "file" -> toFile(recipe, out);
                case "null" -> toSink(recipe, (name, bytes) -> { });
                case "check" -> check(recipe, out);
                default -> throw new IllegalArgumentException("mode " + mode + ": file, null or check");
            }
            System.out.printf("run %d %s: %.3f s%n", r + 1, mode, (System.nanoTime() - t0) / 1e9);
        }
        delete(out);
    }

    private static void toFile(Path recipe, Path out) {
        MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, false, 5_000_000_000L, false), MergekitMerge.DEFAULT_SEED),
                Progress.NONE, "bench");
    }

    /** The recipe's plan, as merge() makes it for a recipe without a tokenizer block, streamed into `sink`. */
    private static void toSink(Path recipe, TensorSink sink) {
        MergekitConfig cfg = MergekitConfig.read(recipe);
        Path dir = recipe.toAbsolutePath().getParent();
        try (OpenModels models = MergekitMerge.open(cfg, dir, recipe.toString())) {
            MergekitMerge.plan(cfg, models, dir, recipe.toString(), MergekitMerge.DEFAULT_SEED).stream(sink, Progress.NONE);
        }
    }

    private static void check(Path recipe, Path out) {
        toFile(recipe, out);
        Map<String, CRC32C> streamed = new LinkedHashMap<>();
        toSink(recipe, (name, bytes) -> crc(streamed.computeIfAbsent(name, n -> new CRC32C()), bytes));
        try (Checkpoint written = Checkpoint.open(out)) {
            if (written.tensors().size() != streamed.size()) {
                throw new IllegalStateException(written.tensors().size() + " tensors written, " + streamed.size() + " streamed");
            }
            for (Tensor t : written.tensors()) {
                CRC32C c = streamed.get(t.name());
                if (c == null || c.getValue() != crc(new CRC32C(), t.data()).getValue()) {
                    throw new IllegalStateException(t.name() + ": the streamed bytes differ from the written ones");
                }
            }
        }
        System.out.println("check: " + streamed.size() + " tensors, streamed bytes = written bytes");
    }

    private static CRC32C crc(CRC32C c, MemorySegment bytes) {
        byte[] buf = new byte[1 << 16];
        for (long at = 0; at < bytes.byteSize(); at += buf.length) {
            int n = (int) Math.min(buf.length, bytes.byteSize() - at);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, at, buf, 0, n);
            c.update(buf, 0, n);
        }
        return c;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
