package dev.cocktail.models;

import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;

/**
 * Mixtral's sparse mixture-of-experts MLP, in place of a dense layer's, with the semantics of
 * transformers' MixtralSparseMoeBlock: router logits gate(h); softmax over the experts in float32;
 * the top `perToken` probabilities (ties to the lower expert index); those renormalised to sum to
 * 1; the output is the sum over the chosen experts, in expert index order, of weight * w2(silu(w1 h)
 * * w3 h). Each expert runs once per call, over the rows routed to it.
 *
 * @param router [experts x hidden], model.layers.N.block_sparse_moe.gate.weight
 * @param w1     per expert, the gate projection [intermediate x hidden]
 * @param w2     per expert, the down projection [hidden x intermediate]
 * @param w3     per expert, the up projection [intermediate x hidden]
 */
record SparseMoe(Tensor router, Tensor[] w1, Tensor[] w2, Tensor[] w3, int perToken) {

    /**
     * Layer `prefix`'s (model.layers.N.) weights, shapes checked against config.json, in either
     * layout: transformers 4's block_sparse_moe.gate and experts.E.w1/w2/w3, or transformers 5's
     * mlp.gate and fused mlp.experts.gate_up_proj [experts x 2 intermediate x hidden] (each expert's
     * w1 rows, then its w3 rows) and mlp.experts.down_proj [experts x hidden x intermediate], as
     * today's mergekit-moe writes them.
     */
    static SparseMoe load(TensorLookup w, String prefix, LlamaConfig config) {
        int h = config.hiddenSize(), inter = config.intermediateSize(), n = config.experts().count();
        Tensor[] w1 = new Tensor[n], w2 = new Tensor[n], w3 = new Tensor[n];
        if (w.has(prefix + "mlp.experts.gate_up_proj")) {
            Tensor gateUp = w.require(prefix + "mlp.experts.gate_up_proj", n, 2L * inter, h);
            Tensor down = w.require(prefix + "mlp.experts.down_proj", n, h, inter);
            for (int e = 0; e < n; e++) {
                w1[e] = rows(gateUp, 2L * e * inter, inter, h);
                w3[e] = rows(gateUp, (2L * e + 1) * inter, inter, h);
                w2[e] = rows(down, (long) e * h, h, inter);
            }
            return new SparseMoe(w.require(prefix + "mlp.gate.weight", n, h), w1, w2, w3, config.experts().perToken());
        }
        String p = prefix + "block_sparse_moe.";
        for (int e = 0; e < n; e++) {
            w1[e] = w.require(p + "experts." + e + ".w1.weight", inter, h);
            w2[e] = w.require(p + "experts." + e + ".w2.weight", h, inter);
            w3[e] = w.require(p + "experts." + e + ".w3.weight", inter, h);
        }
        return new SparseMoe(w.require(p + "gate.weight", n, h), w1, w2, w3, config.experts().perToken());
    }

    /** Rows [from, from + count) of t read as a matrix of `cols` columns: a view of the same memory. */
    private static Tensor rows(Tensor t, long from, long count, long cols) {
        long bytesPerRow = cols * t.dtype().byteSize(), at = from * bytesPerRow;
        return new Tensor(t.name() + "[rows " + from + ":" + (from + count) + "]", t.dtype(), new long[] {count, cols},
                t.data().asSlice(at, count * bytesPerRow), t.file(), t.position() + at);
    }

    int experts() {
        return w1.length;
    }

    /** The router logits [rows x experts] of the normed hidden states y [rows x hidden]. */
    float[] routerLogits(Kernels kernels, boolean decoding, float[] y, int rows) {
        float[] logits = new float[rows * experts()];
        if (decoding) kernels.matvec(y, rows, router, null, logits);
        else kernels.matmul(y, rows, router, null, logits);
        return logits;
    }

    /**
     * Each row's chosen experts and their weights, [rows x perToken] each, highest probability
     * first: softmax, top-k, renormalised, all in float32 as transformers computes them.
     */
    record Routing(int[] experts, float[] weights) {}

    static Routing route(float[] logits, int rows, int experts, int perToken) {
        int[] chosen = new int[rows * perToken];
        float[] weights = new float[rows * perToken];
        float[] p = new float[experts];
        for (int r = 0; r < rows; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) max = Math.max(max, logits[r * experts + e]);
            float sum = 0;
            for (int e = 0; e < experts; e++) {
                p[e] = (float) Math.exp(logits[r * experts + e] - max);
                sum += p[e];
            }
            for (int e = 0; e < experts; e++) p[e] /= sum;
            float kept = 0;
            for (int k = 0; k < perToken; k++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!taken(chosen, r * perToken, k, e) && (best < 0 || p[e] > p[best])) best = e;
                }
                chosen[r * perToken + k] = best;
                weights[r * perToken + k] = p[best];
                kept += p[best];
            }
            for (int k = 0; k < perToken; k++) weights[r * perToken + k] /= kept;
        }
        return new Routing(chosen, weights);
    }

    private static boolean taken(int[] chosen, int from, int count, int e) {
        for (int k = 0; k < count; k++) if (chosen[from + k] == e) return true;
        return false;
    }

    /**
     * out [rows x hidden] = the MoE MLP of y [rows x hidden] (out may be y). gate and up are scratch
     * of at least rows x intermediate floats.
     */
    void forward(Kernels kernels, boolean decoding, float[] y, int rows, float[] gate, float[] up, float[] out) {
        int h = router.dim(1), inter = w1[0].dim(0), n = experts();
        Routing routing = route(routerLogits(kernels, decoding, y, rows), rows, n, perToken);
        float[] acc = new float[rows * h], xs = new float[rows * h], ys = new float[rows * h];
        int[] picked = new int[rows];
        float[] pickedWeight = new float[rows];
        for (int e = 0; e < n; e++) {
            int count = 0;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < perToken; k++) {
                    if (routing.experts()[r * perToken + k] != e) continue;
                    picked[count] = r;
                    pickedWeight[count] = routing.weights()[r * perToken + k];
                    System.arraycopy(y, r * h, xs, count * h, h);
                    count++;
                }
            }
            if (count == 0) continue;
            product(kernels, decoding, xs, count, w1[e], gate);
            product(kernels, decoding, xs, count, w3[e], up);
            kernels.swiglu(gate, up, count * inter);
            product(kernels, decoding, gate, count, w2[e], ys);
            for (int j = 0; j < count; j++) {
                int at = picked[j] * h;
                float wt = pickedWeight[j];
                for (int i = 0; i < h; i++) acc[at + i] += ys[j * h + i] * wt;
            }
        }
        System.arraycopy(acc, 0, out, 0, rows * h);
    }

    /** out = x w^T, through the decoding kernel in a decoding step (each row's bits whatever the rows beside it). */
    private static void product(Kernels kernels, boolean decoding, float[] x, int rows, Tensor w, float[] out) {
        if (decoding) kernels.matvec(x, rows, w, null, out);
        else kernels.matmul(x, rows, w, null, out);
    }
}
