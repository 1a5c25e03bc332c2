package dev.cocktail.bench;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * BF16/F16 <-> F32 conversion throughput against a plain copy of the same number of F32 values
 * (native segment to float[], the same direction as widening a mapped tensor into a work buffer).
 * Divide 4 * elements by the time per operation for GB/s of F32 data.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvertBench {
    /** 64K elements stay in L2; 16M elements (64 MB of F32) stream from memory. */
    @Param({"65536", "16777216"})
    int elements;

    Arena arena;
    MemorySegment half;
    MemorySegment single;
    float[] floats;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        half = arena.allocate(2L * elements, 64);
        single = arena.allocate(4L * elements, 64);
        floats = new float[elements];
        Random r = new Random(42);
        for (int i = 0; i < elements; i++) floats[i] = (float) r.nextGaussian();
        Convert.fromF32(floats, 0, elements, DType.BF16, half, 0);
        MemorySegment.copy(floats, 0, single, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, elements);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] copyF32() {
        Convert.toF32(DType.F32, single, 0, floats, 0, elements);
        return floats;
    }

    @Benchmark
    public float[] bf16ToF32() {
        Convert.toF32(DType.BF16, half, 0, floats, 0, elements);
        return floats;
    }

    @Benchmark
    public MemorySegment f32ToBf16() {
        Convert.fromF32(floats, 0, elements, DType.BF16, half, 0);
        return half;
    }

    @Benchmark
    public float[] f16ToF32() {
        Convert.toF32(DType.F16, half, 0, floats, 0, elements);
        return floats;
    }

    @Benchmark
    public MemorySegment f32ToF16() {
        Convert.fromF32(floats, 0, elements, DType.F16, half, 0);
        return half;
    }
}
