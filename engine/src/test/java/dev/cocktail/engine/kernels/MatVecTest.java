package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decoding product: within the float error bound of a double reference, and each row's bits the
 * same whether it comes alone or beside others, on shapes that leave every tail (groups of rows, vector
 * lanes) and that are split over the workers.
 */
class MatVecTest {

    @ParameterizedTest
    @CsvSource({"F32, 1, 1", "F32, 7, 13", "F32, 300, 517", "F32, 37, 256", "F32, 258, 2048", "F32, 259, 2048", "F32, 1031, 2048", "BF16, 5, 33", "BF16, 258, 2048", "F16, 9, 71", "F16, 130, 600",
            "F64, 6, 40", "F64, 33, 300"})
    void eachRowHasTheBitsItHasAlone(DType dtype, int n, int k) {
        Random rnd = new Random(n * 100 + k);
        Tensor w = GemmTest.weight(dtype, n, k, rnd);
        int rows = 9;
        float[] x = new float[rows * k], bias = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < n; i++) bias[i] = (float) rnd.nextGaussian();
        float[] widened = new float[n * k];
        w.toF32(0, widened, 0, n * k);
        float[] together = new float[rows * n];
        Kernels.cpu().matvec(x, rows, w, bias, together);
        for (int t = 0; t < rows; t++) {
            float[] alone = new float[n];
            Kernels.cpu().matvec(Arrays.copyOfRange(x, t * k, (t + 1) * k), 1, w, bias, alone);
            assertArrayEquals(alone, Arrays.copyOfRange(together, t * n, (t + 1) * n), "row " + t);
            for (int j = 0; j < n; j++) {
                double ref = bias[j], magnitude = Math.abs(bias[j]);
                for (int i = 0; i < k; i++) {
                    ref += (double) x[t * k + i] * widened[j * k + i];
                    magnitude += Math.abs((double) x[t * k + i] * widened[j * k + i]);
                }
                double error = Math.abs(alone[j] - ref) / ((Math.sqrt(k) + 2) * 0x1p-24 * magnitude);
                assertTrue(error < 1, dtype + " " + n + "x" + k + " row " + t + " column " + j + ": error " + error + " of the bound");
            }
        }
    }

    /** F32 rows go four side by side, the last few of a matrix alone: a row gets the same bits either way. */
    @ParameterizedTest
    @CsvSource({"1, 13", "3, 16", "1, 517", "2, 2048"})
    void anF32RowHasTheSameBitsAmongFourOrAlone(int rows, int k) {
        Random rnd = new Random(k);
        Tensor w = GemmTest.weight(DType.F32, 5, k, rnd);
        float[] widened = new float[5 * k];
        w.toF32(0, widened, 0, 5 * k);
        float[] moved = new float[5 * k]; // row 4 first, where it falls among four
        System.arraycopy(widened, 4 * k, moved, 0, k);
        System.arraycopy(widened, 0, moved, k, 4 * k);
        MemorySegment seg = Arena.ofAuto().allocate(4L * moved.length);
        Convert.fromF32(moved, 0, moved.length, DType.F32, seg, 0);
        float[] x = new float[rows * k], bias = {1.5f, -2, 0.25f, 3, -0.5f}, movedBias = {-0.5f, 1.5f, -2, 0.25f, 3};
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] out = new float[rows * 5], movedOut = new float[rows * 5];
        Kernels.cpu().matvec(x, rows, w, bias, out);
        Kernels.cpu().matvec(x, rows, new Tensor("moved", DType.F32, new long[] {5, k}, seg), movedBias, movedOut);
        for (int t = 0; t < rows; t++) {
            assertEquals(Float.floatToRawIntBits(out[t * 5 + 4]), Float.floatToRawIntBits(movedOut[t * 5]), "token row " + t);
            for (int j = 0; j < 4; j++) {
                assertEquals(Float.floatToRawIntBits(out[t * 5 + j]), Float.floatToRawIntBits(movedOut[t * 5 + j + 1]), "token row " + t + ", row " + j);
            }
        }
    }

    @Test
    void matricesOnOneInputGetTheBitsTheyGetOneByOne() {
        Random rnd = new Random(5);
        int k = 300, rows = 3;
        Tensor[] ws = {GemmTest.weight(DType.BF16, 129, k, rnd), GemmTest.weight(DType.F32, 7, k, rnd), GemmTest.weight(DType.F16, 64, k, rnd)};
        float[] x = new float[rows * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[][] biases = {null, new float[] {1, 2, 3, 4, 5, 6, 7}, null}, outs = new float[3][];
        for (int m = 0; m < 3; m++) outs[m] = new float[rows * ws[m].dim(0)];
        Kernels.cpu().matvec(x, rows, ws, biases, outs);
        for (int m = 0; m < 3; m++) {
            float[] one = new float[outs[m].length];
            Kernels.cpu().matvec(x, rows, ws[m], biases[m], one);
            assertArrayEquals(one, outs[m], "matrix " + m);
        }
    }
}
