package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.AttentionShape;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The causal LM forward pass of the Llama family (llama, mistral, qwen2) with Hugging Face
 * semantics: embeddings; per layer x += o_proj(attention(rmsnorm(x))) and
 * x += down(silu(gate(h)) * up(h)) with h = rmsnorm(x); final rmsnorm; lm_head, or the embedding
 * matrix when the embeddings are tied. The matrices stay in the memory map in their file dtype.
 */
public final class Llama implements AutoCloseable {

    /** One decoder layer's weights; biases are null when the model has none. */
    record Layer(float[] inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, float[] qBias, float[] kBias, float[] vBias,
                 float[] oBias, float[] postNorm, Tensor gate, Tensor up, Tensor down, float[] gateBias, float[] upBias,
                 float[] downBias) {}

    private final LlamaConfig config;
    private final Checkpoint checkpoint;
    private final Tensor embeddings;
    private final List<Layer> layers;
    private final float[] finalNorm;
    private final Tensor lmHead;
    private final Kernels kernels;

    private Llama(LlamaConfig config, Checkpoint checkpoint, Kernels kernels) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.kernels = kernels;
        TensorLookup w = new TensorLookup(checkpoint, "");
        int h = config.hiddenSize(), qDim = config.heads() * config.headDim(), kvDim = config.kvHeads() * config.headDim();
        int inter = config.intermediateSize();
        embeddings = w.require("model.embed_tokens.weight", config.vocabSize(), h);
        layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            boolean qkvBias = config.attentionBias() || config.qkvBias();
            boolean mlpBias = config.mlpBias();
            layers.add(new Layer(
                    w.vector(p + "input_layernorm.weight", h),
                    w.require(p + "self_attn.q_proj.weight", qDim, h),
                    w.require(p + "self_attn.k_proj.weight", kvDim, h),
                    w.require(p + "self_attn.v_proj.weight", kvDim, h),
                    w.require(p + "self_attn.o_proj.weight", h, qDim),
                    qkvBias ? w.vector(p + "self_attn.q_proj.bias", qDim) : null,
                    qkvBias ? w.vector(p + "self_attn.k_proj.bias", kvDim) : null,
                    qkvBias ? w.vector(p + "self_attn.v_proj.bias", kvDim) : null,
                    config.attentionBias() ? w.vector(p + "self_attn.o_proj.bias", h) : null,
                    w.vector(p + "post_attention_layernorm.weight", h),
                    w.require(p + "mlp.gate_proj.weight", inter, h),
                    w.require(p + "mlp.up_proj.weight", inter, h),
                    w.require(p + "mlp.down_proj.weight", h, inter),
                    mlpBias ? w.vector(p + "mlp.gate_proj.bias", inter) : null,
                    mlpBias ? w.vector(p + "mlp.up_proj.bias", inter) : null,
                    mlpBias ? w.vector(p + "mlp.down_proj.bias", h) : null));
        }
        finalNorm = w.vector("model.norm.weight", h);
        lmHead = config.tieWordEmbeddings() ? embeddings : w.require("lm_head.weight", config.vocabSize(), h);
    }

    /** Opens the model's weights (memory-mapped) and checks every tensor against config.json. */
    public static Llama load(ModelDir dir) {
        return load(dir, Kernels.cpu());
    }

    public static Llama load(ModelDir dir, Kernels kernels) {
        LlamaConfig config = LlamaConfig.parse(dir.config(), dir.name() + "/config.json");
        return dir.openCheckpoint(checkpoint -> new Llama(config, checkpoint, kernels));
    }

    public LlamaConfig config() {
        return config;
    }

    /** The hidden states after the final norm, [batch * seqLen x hidden]; padded rows hold values nobody should read. */
    public float[] hidden(TokenBatch batch) {
        return hidden(batch, null);
    }

    /**
     * With a cache, the batch is one sequence that continues the cached positions: its rows attend
     * to the cache and to each other, and their keys and values join the cache.
     */
    public float[] hidden(TokenBatch batch, KvCache cache) {
        if (cache != null && batch.batch() != 1) throw new IllegalArgumentException("a cache continues one sequence, not " + batch.batch());
        int past = cache == null ? 0 : cache.length();
        int rows = batch.rows(), h = config.hiddenSize(), hd = config.headDim();
        int qDim = config.heads() * hd, kvDim = config.kvHeads() * hd, inter = config.intermediateSize();
        float[] x = new float[rows * h], y = new float[rows * h];
        float[] q = new float[rows * qDim], k = new float[rows * kvDim], v = new float[rows * kvDim], att = new float[rows * qDim];
        float[] gate = new float[rows * inter], up = new float[rows * inter];
        for (int r = 0; r < rows; r++) {
            int id = batch.ids()[r];
            if (id < 0 || id >= config.vocabSize()) {
                throw new CocktailException("token id " + id + " is outside the vocabulary of " + checkpoint.where()
                        + " (" + config.vocabSize() + " ids).");
            }
            embeddings.toF32((long) id * h, x, r * h, h);
        }
        Rope rope = Rope.tables(config, past, batch.seqLen());
        float scale = (float) (1 / Math.sqrt(hd));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            kernels.rmsnorm(x, y, rows, h, l.inputNorm(), config.rmsNormEps());
            kernels.matmul(y, rows, l.q(), l.qBias(), q);
            kernels.matmul(y, rows, l.k(), l.kBias(), k);
            kernels.matmul(y, rows, l.v(), l.vBias(), v);
            kernels.rope(q, rows, batch.seqLen(), config.heads(), hd, rope.cos(), rope.sin());
            kernels.rope(k, rows, batch.seqLen(), config.kvHeads(), hd, rope.cos(), rope.sin());
            AttentionShape shape = new AttentionShape(batch.batch(), batch.seqLen(), batch.lengths(),
                    config.heads(), config.kvHeads(), hd, scale, true, config.window(i), past);
            if (cache == null) {
                kernels.attention(q, k, v, att, shape);
            } else {
                cache.put(i, k, v, rows);
                kernels.attention(q, cache.keys(i), cache.values(i), att, shape);
            }
            kernels.matmul(att, rows, l.o(), l.oBias(), y);
            kernels.add(x, y, rows * h);
            kernels.rmsnorm(x, y, rows, h, l.postNorm(), config.rmsNormEps());
            kernels.matmul(y, rows, l.gate(), l.gateBias(), gate);
            kernels.matmul(y, rows, l.up(), l.upBias(), up);
            kernels.swiglu(gate, up, rows * inter);
            kernels.matmul(gate, rows, l.down(), l.downBias(), y);
            kernels.add(x, y, rows * h);
        }
        kernels.rmsnorm(x, x, rows, h, finalNorm, config.rmsNormEps());
        if (cache != null) cache.advance(rows);
        return x;
    }

    /** Logits [n x vocab] of every position of one sequence of n ids. */
    public float[] logits(int[] ids) {
        return logits(hidden(TokenBatch.of(List.of(ids), 0)), IntStream.range(0, ids.length).toArray());
    }

    /** Logits [rows.length x vocab] of the chosen rows of `hidden`. */
    public float[] logits(float[] hidden, int[] rows) {
        int h = config.hiddenSize();
        float[] picked = new float[rows.length * h];
        for (int i = 0; i < rows.length; i++) System.arraycopy(hidden, rows[i] * h, picked, i * h, h);
        float[] logits = new float[rows.length * config.vocabSize()];
        kernels.matmul(picked, rows.length, lmHead, null, logits);
        return logits;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
