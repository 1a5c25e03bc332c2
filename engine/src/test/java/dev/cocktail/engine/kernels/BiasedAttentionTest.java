package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BiasedAttention against a direct double-precision reference: with and without the relative bias,
 * causal or not, queries and keys differing in number (cross-attention), padded keys, head sizes
 * with and without a tail past the last whole panel, every tail of the 6-row blocks; and a query
 * row computed alone (as one decoding step sees it) has the bits of the same row in the full pass.
 */
class BiasedAttentionTest {

    @ParameterizedTest
    @CsvSource({
            "true, true, 13, 13, 64", "true, true, 32, 32, 64", "false, true, 20, 20, 64", "false, false, 7, 35, 64",
            "false, false, 32, 96, 64", "true, true, 9, 9, 40", "false, true, 5, 37, 16", "true, false, 1, 1, 64",
    })
    void matchesReference(boolean causal, boolean biased, int queries, int keyRows, int hd) {
        int batch = 2, heads = 3, width = heads * hd;
        int[] lengths = {keyRows, Math.max(1, keyRows / 2 - 1)};
        Random rnd = new Random(queries * 31 + keyRows + hd);
        float[] q = AttentionTest.random(batch * queries * width, rnd), k = AttentionTest.random(batch * keyRows * width, rnd);
        float[] v = AttentionTest.random(k.length, rnd), out = new float[q.length];
        for (int i = 0; i < q.length; i++) q[i] /= (float) Math.sqrt(hd); // T5 folds 1/sqrt(d) into q's weights
        int span = BiasedAttention.biasSpan(0, queries, keyRows);
        float[] bias = biased ? AttentionTest.random(heads * span, rnd) : null;
        Kernels.cpu().attention(q, k, v, out, new BiasedAttention(batch, queries, keyRows, lengths, heads, hd, 0, causal, bias));
        double worst = 0;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < queries; i++) {
                    int end = causal ? Math.min(i + 1, lengths[b]) : lengths[b];
                    double[] p = new double[end];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < end; j++) {
                        double s = biased ? bias[h * span + j - i + queries - 1] : 0;
                        for (int d = 0; d < hd; d++) s += (double) q[(b * queries + i) * width + h * hd + d] * k[(b * keyRows + j) * width + h * hd + d];
                        p[j] = s;
                        max = Math.max(max, s);
                    }
                    for (int j = 0; j < end; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int d = 0; d < hd; d++) {
                        double ref = 0;
                        for (int j = 0; j < end; j++) ref += p[j] / sum * v[(b * keyRows + j) * width + h * hd + d];
                        worst = Math.max(worst, Math.abs(ref - out[(b * queries + i) * width + h * hd + d]));
                    }
                }
            }
        }
        assertTrue(worst < 2e-6, "max error " + worst);
        if (causal) assertLastRowAloneHasTheSameBits(q, k, v, out, lengths, queries, keyRows, heads, hd, bias);
    }

    /** The last query row with the others as past (one query per sequence) gives the full pass's bits. */
    private static void assertLastRowAloneHasTheSameBits(float[] q, float[] k, float[] v, float[] full, int[] lengths,
                                                         int queries, int keyRows, int heads, int hd, float[] bias) {
        int batch = lengths.length, width = heads * hd;
        float[] last = new float[batch * width], out = new float[last.length];
        for (int b = 0; b < batch; b++) System.arraycopy(q, (b * queries + queries - 1) * width, last, b * width, width);
        Kernels.cpu().attention(last, k, v, out, new BiasedAttention(batch, 1, keyRows, lengths, heads, hd, queries - 1, true, bias));
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < width; c++) {
                assertEquals(Float.floatToIntBits(full[(b * queries + queries - 1) * width + c]), Float.floatToIntBits(out[b * width + c]),
                        "sequence " + b + ", column " + c);
            }
        }
    }
}
