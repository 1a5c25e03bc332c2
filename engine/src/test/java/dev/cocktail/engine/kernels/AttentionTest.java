package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Attention against a direct double-precision reference, with padding, GQA, causal and window masks, and every tail of the 4-row x 2-vector blocks. */
class AttentionTest {

    @ParameterizedTest
    @CsvSource({
            "true, 0, 4, 2, 16, 13", "true, 0, 6, 6, 8, 13", "false, 0, 4, 1, 12, 13", "true, 3, 4, 2, 16, 13", "true, 0, 8, 4, 9, 13",
            "false, 0, 2, 2, 32, 35", "true, 0, 4, 1, 64, 53", "true, 7, 2, 1, 40, 38", "false, 0, 1, 1, 24, 3",
    })
    void matchesReference(boolean causal, int window, int heads, int kvHeads, int hd, int seqLen) {
        int batch = 3;
        int[] lengths = {seqLen, Math.max(1, seqLen / 2 - 1), 1};
        Random rnd = new Random(heads * 31 + hd);
        float[] q = random(batch * seqLen * heads * hd, rnd), k = random(batch * seqLen * kvHeads * hd, rnd);
        float[] v = random(k.length, rnd), out = new float[q.length];
        float scale = (float) (1 / Math.sqrt(hd));
        Kernels.cpu().attention(q, k, v, out, new AttentionShape(batch, seqLen, lengths, heads, kvHeads, hd, scale, causal, window));
        double worst = 0;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                for (int i = 0; i < seqLen; i++) {
                    double[] p = new double[seqLen];
                    double max = Double.NEGATIVE_INFINITY;
                    boolean any = false;
                    for (int j = 0; j < seqLen; j++) {
                        boolean visible = j < lengths[b] && (!causal || j <= i) && (window == 0 || j > i - window);
                        p[j] = Double.NEGATIVE_INFINITY;
                        if (!visible) continue;
                        any = true;
                        double s = 0;
                        for (int d = 0; d < hd; d++) s += (double) q[((b * seqLen + i) * heads + h) * hd + d] * k[((b * seqLen + j) * kvHeads + g) * hd + d];
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < seqLen; j++) sum += p[j] = any ? Math.exp(p[j] - max) : 0;
                    for (int d = 0; d < hd; d++) {
                        double ref = 0;
                        for (int j = 0; j < seqLen; j++) if (p[j] > 0) ref += p[j] / sum * v[((b * seqLen + j) * kvHeads + g) * hd + d];
                        worst = Math.max(worst, Math.abs(ref - out[((b * seqLen + i) * heads + h) * hd + d]));
                    }
                }
            }
        }
        assertTrue(worst < 2e-6, "max error " + worst);
    }

    static float[] random(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
