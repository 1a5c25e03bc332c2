package dev.cocktail.engine.kernels;

import dev.cocktail.engine.Tensor;

/**
 * The arithmetic of the forward passes, behind one small interface so that another backend
 * (a GPU one) can replace the CPU one without touching the models.
 * Activations are F32 row-major arrays; weight matrices are Tensors kept in their file dtype
 * (F32, BF16 or F16) and widened inside the kernels.
 */
public interface Kernels {

    /** The Vector API implementation, on one pool of threads sized to the cores. */
    static Kernels cpu() {
        return CpuKernels.SHARED;
    }

    /**
     * out[t, n] = sum_k x[t, k] * w[n, k] (+ bias[n]) for t < rows: x is [rows x K], w is [N x K]
     * (nn.Linear's layout), out is [rows x N]; bias may be null.
     */
    void matmul(float[] x, int rows, Tensor w, float[] bias, float[] out);

    /**
     * matmul of several matrices on the same input at once: outs[m] = x ws[m]^T (+ biases[m]), each
     * with the bits matmul gives it alone; few rows share one packing of x and one job on the workers.
     */
    void matmul(float[] x, int rows, Tensor[] ws, float[][] biases, float[][] outs);

    /**
     * From this many rows on, the CPU matmul runs the batched product, whose row of output has the
     * same bits whatever the rows beside it; fewer rows go through matvec, whose bits differ.
     */
    int BATCHED_ROWS = Gemm.ROWS;

    /**
     * matmul for a few rows (decoding's tokens), each output row computed alone in an order that
     * depends neither on `rows` nor on the threads, so that a token decoded beside others gets the
     * bits it gets alone; every weight is read from memory once per call.
     */
    void matvec(float[] x, int rows, Tensor w, float[] bias, float[] out);

    /** matvec of several matrices on the same input at once: outs[m] = x ws[m]^T (+ biases[m]). */
    void matvec(float[] x, int rows, Tensor[] ws, float[][] biases, float[][] outs);

    /** Each row of dim: out = x / sqrt(mean(x^2) + eps) * weight (out may be x). */
    void rmsnorm(float[] x, float[] out, int rows, int dim, float[] weight, float eps);

    /** Each row of dim: out = (x - mean) / sqrt(biased variance + eps) * weight + bias (out may be x). */
    void layernorm(float[] x, float[] out, int rows, int dim, float[] weight, float[] bias, float eps);

    /** acc[i] += x[i] for i < n. */
    void add(float[] acc, float[] x, int n);

    /** gate[i] = silu(gate[i]) * up[i] for i < n, silu(g) = g / (1 + exp(-g)). */
    void swiglu(float[] gate, float[] up, int n);

    /** gate[i] = gelu_tanh(gate[i]) * up[i] for i < n, with PyTorch's tanh approximation of GELU (Gemma). */
    void gegluTanh(float[] gate, float[] up, int n);

    /** x[i] = gelu_tanh(x[i]) for i < n: PyTorch's tanh approximation of GELU (T5's gelu_new). */
    void geluTanh(float[] x, int n);

    /** x[i] = 0.5 x (1 + erf(x / sqrt 2)) for i < n: the exact GELU. */
    void gelu(float[] x, int n);

    /**
     * RoPE (rotary position embedding) in the rotate_half layout on rows of `heads` heads of headDim: dimension j
     * pairs with j + headDim/2. Row r is at position r % seqLen; cos and sin are [seqLen x headDim/2].
     */
    default void rope(float[] x, int rows, int seqLen, int heads, int headDim, float[] cos, float[] sin) {
        rope(x, rows, seqLen, heads, headDim, headDim, cos, sin);
    }

    /** RoPE on the first `rotary` dimensions of each head only (cos and sin [seqLen x rotary/2]); the rest pass through. */
    void rope(float[] x, int rows, int seqLen, int heads, int headDim, int rotary, float[] cos, float[] sin);

    /**
     * Scaled dot-product attention over batch x seqLen rows (sequences padded on the right):
     * q and out are [rows x heads*headDim], k and v [batch * keyRows x kvHeads*headDim]; see AttentionShape.
     */
    void attention(float[] q, float[] k, float[] v, float[] out, AttentionShape shape);

    /**
     * softmax(q k^T + bias) v per head with no score scaling, queries and keys possibly differing in
     * number (T5's self- and cross-attention): q and out are [batch * queries x heads*headDim], k and
     * v [batch * keyRows x heads*headDim]; see BiasedAttention.
     */
    void attention(float[] q, float[] k, float[] v, float[] out, BiasedAttention shape);

    /** Floats between the rows of a decoding cache of `capacity` positions (see cachedAttention). */
    static int cacheStride(int capacity) {
        return CachedAttention.stride(capacity);
    }

    /**
     * Attention of `rows` query rows (q and out [rows x heads*headDim]), row r being the newest position,
     * positions[r], of its own sequence, over that sequence's cache: keys[r] and values[r] are
     * [kvHeads*headDim x stride], dimension c of position p at c * stride + p, and hold positions
     * 0..positions[r]. Causal, with the heads, scale and window of `shape` (its batch and lengths unused).
     */
    void cachedAttention(float[] q, float[] out, int rows, float[][] keys, float[][] values, int stride, int[] positions,
                         AttentionShape shape);
}
