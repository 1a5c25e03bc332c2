package dev.cocktail.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * TIES computed whole, in one read of the inputs (TaskArithmetic.writeWhole), gives the bytes of
 * the usual passes (prepare, then the chunks' step): with task vectors whose cut falls among many
 * equal magnitudes, with runs of zeros too long for a band, with densities that keep all or nothing,
 * with and without consensus and normalization, narrowed to BF16 and to F32; and it fails or warns
 * as they do on inputs that are not finite.
 */
class TiesWholeTest {
    static final ExecutorService POOL = Executors.newFixedThreadPool(2);
    static final ThreadLocal<Chunk> SCRATCH = ThreadLocal.withInitial(Chunk::new);

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    /** Inputs 0 (the base) to k of n elements, input i's element e from values. */
    static List<Tensor> inputs(int k, int n, IntFunction<float[]> values) {
        List<Tensor> t = new ArrayList<>();
        for (int i = 0; i <= k; i++) {
            t.add(new Tensor("in" + i, DType.F32, new long[] {n / 1000, 1000}, MemorySegment.ofArray(values.apply(i))));
        }
        return t;
    }

    static TensorJob job(List<Tensor> inputs) {
        return new TensorJob("t", inputs, inputs.getFirst().shape(), false, 0, POOL, SCRATCH);
    }

    static TaskArithmetic ties(boolean consensus, boolean normalize, double lambda, double... density) {
        double[] weight = new double[density.length];
        for (int m = 0; m < weight.length; m++) weight[m] = 0.3 + 0.2 * m;
        return new TaskArithmetic(TaskArithmetic.Sparsify.MAGNITUDE, consensus, normalize, false, lambda, weight, density,
                null, null);
    }

    /** The two ways' outputs, byte for byte; whether the whole way read the inputs once. */
    static boolean same(TaskArithmetic merge, List<Tensor> inputs, DType dtype) {
        long bytes = inputs.getFirst().elementCount() * dtype.byteSize();
        MemorySegment usual = Arena.ofAuto().allocate(bytes), whole = Arena.ofAuto().allocate(bytes);
        TensorJob a = job(inputs);
        a.write(merge.prepare(a), dtype, usual, 0, a.chunks());
        TensorJob b = job(inputs);
        boolean once = merge.writeWhole(b, dtype, whole);
        assertEquals(-1, usual.mismatch(whole), "first differing byte");
        assertEquals(a.nonFiniteInput(), b.nonFiniteInput());
        return once;
    }

    /** Whether the whole way read the inputs once every time. */
    static boolean sameEveryWay(List<Tensor> inputs, double... density) {
        boolean once = true;
        for (DType dtype : new DType[] {DType.BF16, DType.F32}) {
            once &= same(ties(true, true, 1, density), inputs, dtype);
            once &= same(ties(true, false, 0.7, density), inputs, dtype);
            once &= same(ties(false, true, 1.3, density), inputs, dtype);
        }
        return once;
    }

    @Test
    void gaussianTaskVectors() {
        Random r = new Random(7);
        for (int n : new int[] {3000, 1_000_000}) {
            List<Tensor> in = inputs(2, n, i -> {
                float[] x = new float[n];
                for (int e = 0; e < n; e++) x[e] = (float) r.nextGaussian() * (i == 0 ? 1 : 0.01f);
                return x;
            });
            assertTrue(sameEveryWay(in, 0.5, 0.3));
            assertTrue(sameEveryWay(in, 0.9, 0.05));
        }
    }

    @Test
    void cutAmongEqualMagnitudes() {
        // few distinct values: the cut falls inside a long run of equal magnitudes, kept by position
        Random r = new Random(8);
        int n = 600_000;
        List<Tensor> in = inputs(3, n, i -> {
            float[] x = new float[n];
            for (int e = 0; e < n; e++) x[e] = i == 0 ? 1f : 1f + (r.nextInt(9) - 4) / 64f;
            return x;
        });
        assertTrue(sameEveryWay(in, 0.5, 0.37, 0.61));
    }

    @Test
    void mostlyZeroTaskVectorsAndAllOrNothing() {
        // mostly unchanged entries, the cut among the zeros: a band of them is collected in a small
        // tensor, too wide to collect in a larger one (the radix select's case, then the usual passes);
        // and densities of 0 and 1, cuts decided without a pass, beside one that needs it
        Random r = new Random(9);
        for (int n : new int[] {400_000, 2_000_000}) {
            List<Tensor> in = inputs(3, n, i -> {
                float[] x = new float[n];
                for (int e = 0; e < n; e++) x[e] = i > 0 && r.nextInt(10) == 0 ? (float) r.nextGaussian() : 0.5f;
                return x;
            });
            assertEquals(n < 1_000_000, sameEveryWay(in, 0.5, 0.2, 0.7));
            assertTrue(sameEveryWay(in, 0.0, 0.05, 1.0));
            sameEveryWay(in, 1.0, 0.0, 0.0);
        }
    }

    @Test
    void nonFiniteInputsWarnOrFailAsUsual() {
        int n = 200_000;
        Random r = new Random(10);
        IntFunction<float[]> gauss = i -> {
            float[] x = new float[n];
            for (int e = 0; e < n; e++) x[e] = (float) r.nextGaussian();
            return x;
        };
        List<Tensor> nan = inputs(2, n, i -> { // outvoted: the output stays finite
            float[] x = gauss.apply(i);
            if (i == 1) x[123_456] = Float.NaN;
            return x;
        });
        same(ties(true, true, 1, 0.5, 0.5), nan, DType.BF16);
        List<Tensor> infinite = inputs(2, n, i -> { // kept: the output is infinite there, with a warning
            float[] x = gauss.apply(i);
            x[123_456] = i == 0 ? 0 : i == 1 ? Float.POSITIVE_INFINITY : 1;
            return x;
        });
        assertFalse(same(ties(true, true, 1, 0.5, 0.5), infinite, DType.BF16));
        List<Tensor> overflow = inputs(2, n, i -> {
            float[] x = gauss.apply(i);
            if (i > 0) x[77_777] = 3e38f;
            if (i == 0) x[77_777] = -3e38f;
            return x;
        });
        CocktailException usual = assertThrows(CocktailException.class, () -> {
            TensorJob a = job(overflow);
            a.write(ties(true, true, 1, 0.5, 0.5).prepare(a), DType.BF16, Arena.ofAuto().allocate(2L * n), 0, a.chunks());
        });
        CocktailException whole = assertThrows(CocktailException.class,
                () -> ties(true, true, 1, 0.5, 0.5).writeWhole(job(overflow), DType.BF16, Arena.ofAuto().allocate(2L * n)));
        assertArrayEquals(usual.getMessage().getBytes(), whole.getMessage().getBytes());
    }
}
