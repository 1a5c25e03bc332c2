package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The tiled matrix product against a scalar double reference, on shapes that leave every kind of tail (rows, panels, K) and span several K slices and row blocks. */
class GemmTest {

    /** A [n x k] weight in dtype, stored one byte past an aligned address as mapped files may be. */
    static Tensor weight(DType dtype, int n, int k, Random rnd) {
        float[] values = new float[n * k];
        for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian();
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * dtype.byteSize() + 1).asSlice(1);
        Convert.fromF32(values, 0, values.length, dtype, seg, 0);
        return new Tensor("w", dtype, new long[] {n, k}, seg);
    }

    @ParameterizedTest
    @CsvSource({
            "F32, 1, 1, 1", "F32, 5, 7, 13", "F32, 9, 50, 67", "F32, 64, 130, 96",
            "BF16, 3, 2, 9", "BF16, 7, 31, 33", "BF16, 17, 200, 40",
            "F16, 4, 3, 8", "F16, 6, 29, 71", "F16, 21, 100, 24",
            "F32, 9, 14, 1100", "BF16, 5, 7, 1031", "F16, 8, 9, 1536",
            "F32, 6, 16, 256", "F32, 7, 8, 5", "F32, 13, 37, 600", "BF16, 100, 70, 300", "F16, 203, 49, 517",
    })
    void matchesScalarReference(DType dtype, int rows, int n, int k) {
        Random rnd = new Random(rows * 1000 + n * 10 + k);
        Tensor w = weight(dtype, n, k, rnd);
        float[] x = new float[rows * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] bias = new float[n];
        for (int i = 0; i < n; i++) bias[i] = (float) rnd.nextGaussian();
        float[] widened = new float[n * k];
        w.toF32(0, widened, 0, n * k);
        for (float[] b : new float[][] {null, bias}) {
            float[] out = new float[rows * n];
            Kernels.cpu().matmul(x, rows, w, b, out);
            double worst = 0;
            for (int t = 0; t < rows; t++) {
                for (int j = 0; j < n; j++) {
                    double ref = b == null ? 0 : b[j], magnitude = b == null ? 0 : Math.abs(b[j]);
                    for (int i = 0; i < k; i++) {
                        ref += (double) x[t * k + i] * widened[j * k + i];
                        magnitude += Math.abs((double) x[t * k + i] * widened[j * k + i]);
                    }
                    // rounding errors of a float sum of k terms grow like sqrt(k) u sum|terms| (Higham's
                    // probabilistic bound; the worst case is k u), plus the bias add; a wrong index gives errors of order 1
                    worst = Math.max(worst, Math.abs(out[t * n + j] - ref) / ((Math.sqrt(k) + 2) * 0x1p-24 * magnitude));
                }
            }
            assertTrue(worst < 1, dtype + " " + rows + "x" + n + "x" + k + ": error " + worst + " of the bound");
        }
    }

    @ParameterizedTest
    @CsvSource({"BF16", "F16", "F32"})
    void widensTheStoredValuesExactly(DType dtype) {
        // a value exactly representable in each dtype times 1 must come back unchanged
        Tensor w = weight(dtype, 8, 16, new Random(3));
        float[] widened = new float[8 * 16];
        w.toF32(0, widened, 0, widened.length);
        float[] x = new float[16 * 16];
        for (int i = 0; i < 16; i++) x[i * 16 + i] = 1f;
        float[] out = new float[16 * 8];
        Kernels.cpu().matmul(x, 16, w, null, out);
        for (int t = 0; t < 16; t++) {
            for (int j = 0; j < 8; j++) {
                assertTrue(out[t * 8 + j] == widened[j * 16 + t], "identity product at " + t + "," + j);
            }
        }
    }

    /**
     * Products of few rows (the tokens packed, weights broadcast) and of many (the weights packed)
     * chain the same fused multiply-adds, so a row's bits do not depend on how many rows came with it.
     */
    @ParameterizedTest
    @CsvSource({"F32, 40, 6, 37, 1100", "BF16, 6, 96, 50, 67", "F16, 33, 1, 100, 130", "F32, 96, 3, 13, 768", "F32, 7, 40, 50, 2048", "F32, 80, 20, 300, 768"})
    void aRowHasTheSameBitsAmongFewRowsOrMany(DType dtype, int few, int more, int n, int k) {
        Random rnd = new Random(few * 7 + n + k);
        Tensor w = weight(dtype, n, k, rnd);
        int many = Gemm.FEW_ROWS + more;
        float[] x = new float[many * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] bias = new float[n];
        for (int i = 0; i < n; i++) bias[i] = (float) rnd.nextGaussian();
        float[] all = new float[many * n], some = new float[few * n];
        Kernels.cpu().matmul(x, many, w, bias, all);
        Kernels.cpu().matmul(x, few, w, bias, some);
        assertArrayEquals(java.util.Arrays.copyOf(all, few * n), some, few + " rows among " + many);
    }

    /** Several matrices in one call (one packing of x, one job) give each output the bits of its own call, at every path's row count. */
    @ParameterizedTest
    @CsvSource({"F32, 2", "F32, 6", "BF16, 32", "F32, 96", "F16, 97"})
    void severalMatricesAtOnceHaveTheBitsOfOneAtATime(DType dtype, int rows) {
        Random rnd = new Random(rows);
        int k = 200;
        Tensor[] ws = {weight(dtype, 70, k, rnd), weight(dtype, 6, k, rnd), weight(dtype, 133, k, rnd)};
        float[] x = new float[rows * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] bias = new float[6];
        for (int i = 0; i < bias.length; i++) bias[i] = (float) rnd.nextGaussian();
        float[][] biases = {null, bias, null}, together = new float[ws.length][];
        for (int m = 0; m < ws.length; m++) together[m] = new float[rows * ws[m].dim(0)];
        Kernels.cpu().matmul(x, rows, ws, biases, together);
        for (int m = 0; m < ws.length; m++) {
            float[] alone = new float[rows * ws[m].dim(0)];
            Kernels.cpu().matmul(x, rows, ws[m], biases[m], alone);
            assertArrayEquals(alone, together[m], "matrix " + m + " of " + rows + " rows");
        }
    }
}
