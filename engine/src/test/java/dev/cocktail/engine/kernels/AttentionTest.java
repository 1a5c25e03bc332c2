package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attention against a direct double-precision reference, with padding, GQA, causal and window masks, softcapping, and every tail
 * of the 6-row x 2-vector blocks; the packed layout (no padded rows) against the padded one.
 */
class AttentionTest {

    @ParameterizedTest
    @CsvSource({
            "true, 0, 4, 2, 16, 13, 0", "true, 0, 6, 6, 8, 13, 0", "false, 0, 4, 1, 12, 13, 0", "true, 3, 4, 2, 16, 13, 0", "true, 0, 8, 4, 9, 13, 0",
            "false, 0, 2, 2, 32, 35, 0", "true, 0, 4, 1, 64, 53, 0", "true, 7, 2, 1, 40, 38, 0", "false, 0, 1, 1, 24, 3, 0",
            "true, 5, 4, 2, 16, 21, 1.5", "false, 0, 2, 1, 24, 13, 0.75",
    })
    void matchesReference(boolean causal, int window, int heads, int kvHeads, int hd, int seqLen, float softcap) {
        int batch = 3;
        int[] lengths = {seqLen, Math.max(1, seqLen / 2 - 1), 1};
        Random rnd = new Random(heads * 31 + hd);
        float[] q = random(batch * seqLen * heads * hd, rnd), k = random(batch * seqLen * kvHeads * hd, rnd);
        float[] v = random(k.length, rnd), out = new float[q.length];
        float scale = (float) (1 / Math.sqrt(hd));
        Kernels.cpu().attention(q, k, v, out, new AttentionShape(batch, seqLen, lengths, heads, kvHeads, hd, scale, causal, window,
                0, AttentionShape.Rows.PADDED, softcap));
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
                        p[j] = softcap > 0 ? softcap * Math.tanh(s * scale / softcap) : s * scale;
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
        for (AttentionShape.Rows rows : new AttentionShape.Rows[] {AttentionShape.Rows.PACKED, AttentionShape.Rows.FIRST}) {
            assertLayoutMatchesPadded(q, k, v, out, new AttentionShape(batch, seqLen, lengths, heads, kvHeads, hd, scale, causal, window, 0, rows, softcap));
        }
    }

    /**
     * Packed (the real rows only, one sequence after another), every real row's output is the padded
     * layout's; with only the first rows as queries (keys and values packed), so is each first row's.
     */
    static void assertLayoutMatchesPadded(float[] q, float[] k, float[] v, float[] padded, AttentionShape s) {
        int qw = s.heads() * s.headDim(), kw = s.kvHeads() * s.headDim(), real = 0, queries = 0;
        for (int b = 0; b < s.batch(); b++) {
            real += s.lengths()[b];
            queries += s.queryRows(b);
        }
        float[] pq = new float[queries * qw], pk = new float[real * kw], pv = new float[real * kw], out = new float[queries * qw];
        for (int b = 0; b < s.batch(); b++) {
            assertEquals(s.firstQueryRow(b), s.rows() == AttentionShape.Rows.FIRST ? b : s.firstKeyRow(b));
            for (int t = 0; t < s.lengths()[b]; t++) {
                int from = b * s.seqLen() + t, row = s.firstKeyRow(b) + t;
                if (t < s.queryRows(b)) System.arraycopy(q, from * qw, pq, (s.firstQueryRow(b) + t) * qw, qw);
                System.arraycopy(k, from * kw, pk, row * kw, kw);
                System.arraycopy(v, from * kw, pv, row * kw, kw);
            }
        }
        Kernels.cpu().attention(pq, pk, pv, out, s);
        double worst = 0;
        for (int b = 0; b < s.batch(); b++) {
            for (int t = 0; t < s.queryRows(b); t++) {
                int row = s.firstQueryRow(b) + t, from = b * s.seqLen() + t;
                for (int j = 0; j < qw; j++) worst = Math.max(worst, Math.abs(padded[from * qw + j] - out[row * qw + j]));
            }
        }
        // the same arithmetic, but a sum over lanes may take another order once the JIT has compiled it
        assertTrue(worst <= 1e-6, s.rows() + " against padded: max diff " + worst);
    }

    static float[] random(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
