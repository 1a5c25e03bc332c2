package dev.cocktail.bench;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The matrix product of the forward passes (Kernels.matmul on the shared pool, both cores) on the
 * shapes that dominate BERT encoding (bge-small, 1120 token rows) and TinyLlama prefill (512 rows):
 * `shape` is rows x n x k and the weights' dtype. Average time per call; GFLOP/s = 2 rows n k / time,
 * to set against FmaPeakBench -t 2. The T5 shapes (flan-t5-base's products at 32 decoder and 96
 * encoder rows, Gemm.fewRows) run with `cold` true too: the call then takes the next of enough copies
 * of the weights to fill COLD_BYTES, so that they come from memory as in a real pass (about 1 GB of
 * weights per T5 pass), not from a cache that holds one matrix between calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"1120x384x384-F32", "1120x1536x384-F32", "1120x384x1536-F32",
            "512x2048x2048-BF16", "512x5632x2048-BF16", "512x2048x5632-BF16",
            "32x768x768-F32", "32x2048x768-F32", "32x768x2048-F32", "96x768x768-F32", "96x2048x768-F32", "96x768x2048-F32"})
    public String shape;

    @Param({"false"})
    public boolean cold;

    /** Weights a cold run cycles through: far more than any cache. */
    static final long COLD_BYTES = 512L << 20;

    int rows, next;
    Tensor[] weights;
    float[] x, out;

    @Setup
    public void setup() {
        String[] dims = shape.split("-")[0].split("x");
        rows = Integer.parseInt(dims[0]);
        int n = Integer.parseInt(dims[1]), k = Integer.parseInt(dims[2]);
        DType dtype = DType.valueOf(shape.split("-")[1]);
        Random rnd = new Random(1);
        float[] values = new float[n * k];
        for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian();
        long bytes = (long) values.length * dtype.byteSize();
        weights = new Tensor[cold ? (int) Math.max(1, COLD_BYTES / bytes) : 1];
        for (int i = 0; i < weights.length; i++) {
            MemorySegment seg = Arena.ofAuto().allocate(bytes, 64);
            Convert.fromF32(values, 0, values.length, dtype, seg, 0);
            weights[i] = new Tensor("w", dtype, new long[] {n, k}, seg);
        }
        x = new float[rows * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        out = new float[rows * n];
    }

    @Benchmark
    public float[] matmul() {
        Kernels.cpu().matmul(x, rows, weights[next], null, out);
        next = (next + 1) % weights.length;
        return out;
    }
}
