package dev.cocktail.engine.kernels;

import java.util.Arrays;

/**
 * BiasedAttention for one sequence and one head, QROWS query rows at a time as AttentionKernel
 * does: the rows' scores over the keys any of them may see through Gemm's register tile (keys and
 * values packed once per task), plus the bias, a softmax per row in F32 over the keys that row may
 * see (the others get probability 0), then the rows' weighted sums of values through the tile.
 */
final class BiasedAttentionKernel {
    private BiasedAttentionKernel() {}

    /** kv holds at least 2 * AttentionKernel.stride(keyRows) * headDim floats, scores QROWS * stride(keyRows). */
    static void head(float[] q, float[] k, float[] v, float[] out, BiasedAttention s, int b, int h,
                     float[] kv, float[] scores) {
        int hd = s.headDim(), width = s.heads() * hd, len = s.keyLengths()[b], ld = AttentionKernel.stride(len);
        int k0 = b * s.keyRows() * width + h * hd, span = BiasedAttention.biasSpan(s.past(), s.queries(), s.keyRows());
        AttentionKernel.pack(k, v, k0, width, len, hd, kv, ld);
        int[] end = new int[AttentionKernel.QROWS];
        for (int i0 = 0; i0 < s.queries(); i0 += AttentionKernel.QROWS) {
            int rows = Math.min(AttentionKernel.QROWS, s.queries() - i0), hi = 0;
            for (int r = 0; r < rows; r++) {
                int pos = s.past() + i0 + r;
                end[r] = s.causal() ? Math.min(pos + 1, len) : len;
                hi = Math.max(hi, end[r]);
            }
            int qo = (b * s.queries() + i0) * width + h * hd;
            AttentionKernel.scores(q, qo, width, rows, kv, hd, 0, hi, scores, ld);
            for (int r = 0; r < rows; r++) {
                int row = r * ld;
                Arrays.fill(scores, row + end[r], row + hi, 0f);
                // key j, query position p: bias[h * span + j - p + past + queries - 1]
                if (s.bias() != null) Activations.add(scores, row, s.bias(), h * span + s.queries() - 1 - i0 - r, end[r]);
                Activations.softmax(scores, row, row + end[r], 1f);
            }
            AttentionKernel.weightedValues(scores, ld, rows, 0, hi, kv, ld * hd, v, k0, width, hd, out, qo, width);
        }
    }
}
