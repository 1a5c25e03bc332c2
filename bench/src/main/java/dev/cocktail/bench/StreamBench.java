package dev.cocktail.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory bandwidth the Vector API reaches on this machine, after STREAM: copy (a = b) and triad
 * (a = b + s c) as STREAM counts them (8 and 12 bytes per element, write-allocate traffic not counted),
 * and read (a sum of b, 4 bytes per element), which is what decoding does to its weights. One
 * operation is one byte, so JMH's ops/s is bytes/s; each thread streams its own arrays of 128 MB,
 * far past the caches. Run with -t 1 for one core and -t 2 for both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class StreamBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int N = 32 << 20;

    float[] a, b, c;

    @Setup
    public void fill() {
        a = new float[N];
        b = new float[N];
        c = new float[N];
        for (int i = 0; i < N; i++) {
            b[i] = i % 7;
            c[i] = i % 5;
        }
    }

    @Benchmark
    @OperationsPerInvocation(N * 8)
    public void copy() {
        for (int i = 0; i < N; i += F.length()) FloatVector.fromArray(F, b, i).intoArray(a, i);
    }

    @Benchmark
    @OperationsPerInvocation(N * 12)
    public void triad() {
        for (int i = 0; i < N; i += F.length()) {
            FloatVector.fromArray(F, c, i).mul(3f).add(FloatVector.fromArray(F, b, i)).intoArray(a, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N * 4)
    public float read() {
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        for (int i = 0; i < N; i += 2 * F.length()) {
            s0 = s0.add(FloatVector.fromArray(F, b, i));
            s1 = s1.add(FloatVector.fromArray(F, b, i + F.length()));
        }
        return s0.add(s1).reduceLanes(VectorOperators.ADD);
    }
}
