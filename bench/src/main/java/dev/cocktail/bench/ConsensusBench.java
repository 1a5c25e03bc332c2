package dev.cocktail.bench;

import dev.cocktail.merge.MergeKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * TIES sign consensus (MergeKernels.consensus) on one merge
 * chunk of k task vectors, half of each entry masked to zero as after a density-0.5 cut. Two task
 * vectors take the kernel's written-out loop, more take its general loop. Divide the time per
 * operation by `elements` for time per element.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConsensusBench {
    @Param({"2", "3"})
    int k;

    @Param({"16384"})
    int elements;

    float[][] wd;
    float[] w;
    float[] base;
    float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(42);
        wd = new float[k][elements];
        for (float[] d : wd) for (int i = 0; i < elements; i++) d[i] = r.nextBoolean() ? 0f : (float) r.nextGaussian();
        w = new float[k];
        for (int m = 0; m < k; m++) w[m] = 1f / k;
        base = new float[elements];
        out = new float[elements];
    }

    @Benchmark
    public float[] consensus() {
        MergeKernels.consensus(wd, wd, w, base, true, Float.NEGATIVE_INFINITY, 1f, out, elements);
        return out;
    }
}
