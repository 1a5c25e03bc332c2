package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Decoding's attention over a transposed cache against the attention of the whole sequence: each row,
 * the newest position of its own sequence, gets what the last row of the full causal pass gets (window
 * and softcapping included), for lengths on and off the chunk boundary.
 */
class CachedAttentionTest {

    @ParameterizedTest
    @CsvSource({"0, 4, 2, 16, 0", "0, 8, 1, 64, 0", "5, 4, 4, 8, 0", "0, 2, 2, 12, 0", "70, 6, 2, 32, 0", "0, 1, 1, 9, 0",
            "0, 4, 2, 16, 0.5", "7, 2, 1, 32, 2"})
    void matchesTheLastRowOfTheFullPass(int window, int heads, int kvHeads, int hd, float softcap) {
        int[] lengths = {1, 13, 64, 65, 130};
        int capacity = 140, stride = Kernels.cacheStride(capacity), kvDim = kvHeads * hd, qDim = heads * hd;
        Random rnd = new Random(window * 7 + heads * 31 + hd);
        float scale = (float) (1 / Math.sqrt(hd));
        int rows = lengths.length;
        float[] q = new float[rows * qDim], out = new float[rows * qDim];
        float[][] keys = new float[rows][kvDim * stride], values = new float[rows][kvDim * stride];
        float[][] want = new float[rows][];
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) {
            int len = lengths[r];
            float[] k = AttentionTest.random(len * kvDim, rnd), v = AttentionTest.random(len * kvDim, rnd);
            float[] qs = AttentionTest.random(len * qDim, rnd), full = new float[len * qDim];
            Kernels.cpu().attention(qs, k, v, full, new AttentionShape(1, len, new int[] {len}, heads, kvHeads, hd, scale, true, window,
                    0, AttentionShape.Rows.PADDED, softcap));
            want[r] = java.util.Arrays.copyOfRange(full, (len - 1) * qDim, len * qDim);
            System.arraycopy(qs, (len - 1) * qDim, q, r * qDim, qDim);
            for (int p = 0; p < len; p++) {
                for (int c = 0; c < kvDim; c++) {
                    keys[r][c * stride + p] = k[p * kvDim + c];
                    values[r][c * stride + p] = v[p * kvDim + c];
                }
            }
            positions[r] = len - 1;
        }
        int[] ones = new int[rows];
        java.util.Arrays.fill(ones, 1);
        Kernels.cpu().cachedAttention(q, out, rows, keys, values, stride, positions,
                new AttentionShape(rows, 1, ones, heads, kvHeads, hd, scale, true, window, 0, AttentionShape.Rows.PADDED, softcap));
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < qDim; i++) assertEquals(want[r][i], out[r * qDim + i], 2e-6, "row " + r + " at " + i);
        }
    }
}
