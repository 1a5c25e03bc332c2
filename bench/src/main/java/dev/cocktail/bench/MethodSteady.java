package dev.cocktail.bench;

import dev.cocktail.engine.Progress;
import dev.cocktail.merge.MergekitMerge;
import dev.cocktail.merge.Output;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The steady state of a merge method: one recipe merged RUNS times in one JVM (the output
 * replaced each time), so that the later runs show the method's arithmetic without the JVM's start
 * and the JIT's warm-up. Prints each run's wall seconds. bench/methods-bench.sh's recipes are
 * meant, with the output in tmpfs.
 * Usage: java --add-modules jdk.incubator.vector -Dcocktail.threads=2 -cp cli/target/cocktail.jar:CLASSES
 *        dev.cocktail.bench.MethodSteady RECIPE.yml OUTPUT_DIR RUNS
 */
public final class MethodSteady {
    private MethodSteady() {}

    public static void main(String[] args) throws IOException {
        Path recipe = Path.of(args[0]), out = Path.of(args[1]);
        int runs = Integer.parseInt(args[2]);
        for (int r = 0; r < runs; r++) {
            delete(out);
            long t0 = System.nanoTime();
            MergekitMerge.merge(new MergekitMerge.Request(recipe, new Output(out, false, 5_000_000_000L, false), MergekitMerge.DEFAULT_SEED),
                    Progress.NONE, "bench");
            System.out.printf("run %d: %.3f s%n", r + 1, (System.nanoTime() - t0) / 1e9);
        }
        delete(out);
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
