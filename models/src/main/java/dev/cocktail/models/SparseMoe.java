package dev.cocktail.models;

import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;

/**
 * A sparse mixture-of-experts MLP, in place of a dense layer's, with the semantics of transformers'
 * MixtralSparseMoeBlock and Qwen2MoeSparseMoeBlock: router logits gate(h); softmax over the experts
 * in float32; the top `perToken` probabilities (ties to the lower expert index); those renormalised
 * to sum to 1 (Mixtral always, Qwen2-MoE with norm_topk_prob); the output is the sum over the chosen
 * experts, in expert index order, of weight * w2(silu(w1 h) * w3 h). Each expert runs once per call,
 * over the rows routed to it. Qwen2-MoE adds its shared expert, a SwiGLU MLP every row goes through,
 * times sigmoid(shared_expert_gate . h).
 *
 * @param router    [experts x hidden], model.layers.N.block_sparse_moe.gate.weight (mlp.gate.weight)
 * @param w1        per expert, the gate projection [intermediate x hidden]
 * @param w2        per expert, the down projection [hidden x intermediate]
 * @param w3        per expert, the up projection [intermediate x hidden]
 * @param normalize whether the chosen probabilities are renormalised
 * @param shared    the shared expert's gate, down and up projections, or null
 * @param sharedGate the shared expert's router [1 x hidden], or null
 */
record SparseMoe(Tensor router, Tensor[] w1, Tensor[] w2, Tensor[] w3, int perToken, boolean normalize, Tensor[] shared,
                 Tensor sharedGate) {

    /**
     * Layer `prefix`'s (model.layers.N.) weights, shapes checked against config.json, in either
     * layout: transformers 4's block_sparse_moe.gate and experts.E.w1/w2/w3, or transformers 5's
     * mlp.gate and fused mlp.experts.gate_up_proj [experts x 2 intermediate x hidden] (each expert's
     * w1 rows, then its w3 rows) and mlp.experts.down_proj [experts x hidden x intermediate], as
     * today's mergekit-moe writes them. A Qwen2-MoE's are transformers 4's mlp.gate and
     * mlp.experts.E.gate_proj/down_proj/up_proj (or the same fused layout), mlp.shared_expert.* and
     * mlp.shared_expert_gate.
     */
    static SparseMoe load(TensorLookup w, String prefix, LlamaConfig config) {
        LlamaConfig.Experts x = config.experts();
        int h = config.hiddenSize(), inter = x.intermediate(), n = x.count();
        Tensor[] w1 = new Tensor[n], w2 = new Tensor[n], w3 = new Tensor[n];
        Tensor[] shared = null;
        Tensor sharedGate = null;
        if (x.sharedIntermediate() > 0) {
            String s = prefix + "mlp.shared_expert.";
            int si = x.sharedIntermediate();
            shared = new Tensor[] {w.require(s + "gate_proj.weight", si, h), w.require(s + "down_proj.weight", h, si),
                    w.require(s + "up_proj.weight", si, h)};
            sharedGate = w.require(prefix + "mlp.shared_expert_gate.weight", 1, h);
        }
        if (w.has(prefix + "mlp.experts.gate_up_proj")) {
            Tensor gateUp = w.require(prefix + "mlp.experts.gate_up_proj", n, 2L * inter, h);
            Tensor down = w.require(prefix + "mlp.experts.down_proj", n, h, inter);
            for (int e = 0; e < n; e++) {
                w1[e] = rows(gateUp, 2L * e * inter, inter, h);
                w3[e] = rows(gateUp, (2L * e + 1) * inter, inter, h);
                w2[e] = rows(down, (long) e * h, h, inter);
            }
            return new SparseMoe(w.require(prefix + "mlp.gate.weight", n, h), w1, w2, w3, x.perToken(), x.normalize(), shared, sharedGate);
        }
        if (config.family() == LlamaConfig.Family.QWEN2_MOE) {
            String p = prefix + "mlp.experts.";
            for (int e = 0; e < n; e++) {
                w1[e] = w.require(p + e + ".gate_proj.weight", inter, h);
                w2[e] = w.require(p + e + ".down_proj.weight", h, inter);
                w3[e] = w.require(p + e + ".up_proj.weight", inter, h);
            }
            return new SparseMoe(w.require(prefix + "mlp.gate.weight", n, h), w1, w2, w3, x.perToken(), x.normalize(), shared, sharedGate);
        }
        String p = prefix + "block_sparse_moe.";
        for (int e = 0; e < n; e++) {
            w1[e] = w.require(p + "experts." + e + ".w1.weight", inter, h);
            w2[e] = w.require(p + "experts." + e + ".w2.weight", h, inter);
            w3[e] = w.require(p + "experts." + e + ".w3.weight", inter, h);
        }
        return new SparseMoe(w.require(p + "gate.weight", n, h), w1, w2, w3, x.perToken(), x.normalize(), shared, sharedGate);
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
     * first: softmax, top-k, renormalised when asked, all in float32 as transformers computes them.
     */
    record Routing(int[] experts, float[] weights) {}

    static Routing route(float[] logits, int rows, int experts, int perToken, boolean normalize) {
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
            if (normalize) for (int k = 0; k < perToken; k++) weights[r * perToken + k] /= kept;
        }
        return new Routing(chosen, weights);
    }

    private static boolean taken(int[] chosen, int from, int count, int e) {
        for (int k = 0; k < count; k++) if (chosen[from + k] == e) return true;
        return false;
    }

    /**
     * out [rows x hidden] = the MoE MLP of y [rows x hidden] (out may be y). gate and up are scratch,
     * replaced here when smaller than rows x the experts' intermediate size.
     */
    void forward(Kernels kernels, boolean decoding, float[] y, int rows, float[] gate, float[] up, float[] out) {
        int h = router.dim(1), inter = Math.max(w1[0].dim(0), shared == null ? 0 : shared[0].dim(0)), n = experts();
        if (gate.length < rows * inter) {
            gate = new float[rows * inter];
            up = new float[rows * inter];
        }
        Routing routing = route(routerLogits(kernels, decoding, y, rows), rows, n, perToken, normalize);
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
            swiglu(kernels, decoding, xs, count, w1[e], w3[e], w2[e], gate, up, ys);
            for (int j = 0; j < count; j++) {
                int at = picked[j] * h;
                float wt = pickedWeight[j];
                for (int i = 0; i < h; i++) acc[at + i] += ys[j * h + i] * wt;
            }
        }
        if (shared != null) {
            float[] g = new float[rows];
            product(kernels, decoding, y, rows, sharedGate, g);
            swiglu(kernels, decoding, y, rows, shared[0], shared[2], shared[1], gate, up, ys);
            for (int r = 0; r < rows; r++) {
                float s = (float) (1 / (1 + Math.exp(-g[r])));
                for (int i = 0; i < h; i++) acc[r * h + i] += s * ys[r * h + i];
            }
        }
        System.arraycopy(acc, 0, out, 0, rows * h);
    }

    /** out [rows x hidden] = down(silu(gateW x) * upW x), with gate and up as scratch. */
    private static void swiglu(Kernels kernels, boolean decoding, float[] x, int rows, Tensor gateW, Tensor upW, Tensor down,
                               float[] gate, float[] up, float[] out) {
        product(kernels, decoding, x, rows, gateW, gate);
        product(kernels, decoding, x, rows, upW, up);
        kernels.swiglu(gate, up, rows * gateW.dim(0));
        product(kernels, decoding, gate, rows, down, out);
    }

    /** out = x w^T, through the decoding kernel in a decoding step (each row's bits whatever the rows beside it). */
    private static void product(Kernels kernels, boolean decoding, float[] x, int rows, Tensor w, float[] out) {
        if (decoding) kernels.matvec(x, rows, w, null, out);
        else kernels.matmul(x, rows, w, null, out);
    }
}
