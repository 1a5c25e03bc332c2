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
 * The causal LM forward pass of the Llama-style decoders (llama, mistral, qwen2, qwen3, gemma2,
 * gemma3_text, phi3) with Hugging Face semantics: embeddings (Gemma: times sqrt(hidden)); per layer
 * x += attention(norm(x)) and x += down(act(gate(h)) * up(h)) with h = norm(x), Gemma also norming
 * each branch's output; final norm; lm_head, or the embedding matrix when the embeddings are tied
 * (Gemma: logits softcapped). What differs between the families is read from LlamaConfig here and
 * nowhere else. The matrices stay in the memory map in their file dtype.
 */
public final class Llama implements AutoCloseable {

    /**
     * One decoder layer's weights; biases, q/k norms and the norms of the branch outputs (Gemma) are
     * null when the model has none. mlpNorm is Llama's post_attention_layernorm, Gemma's pre_feedforward_layernorm.
     */
    record Layer(float[] inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, float[] qBias, float[] kBias, float[] vBias,
                 float[] oBias, float[] qNorm, float[] kNorm, float[] attentionOutNorm, float[] mlpNorm, Tensor gate,
                 Tensor up, Tensor down, float[] gateBias, float[] upBias, float[] downBias, float[] mlpOutNorm) {}

    private final LlamaConfig config;
    private final Checkpoint checkpoint;
    private final Tensor embeddings;
    private final float embeddingScale;
    private final List<Layer> layers;
    private final float[] finalNorm;
    private final Tensor lmHead;
    private final Kernels kernels;

    private Llama(LlamaConfig config, Checkpoint checkpoint, Kernels kernels) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.kernels = kernels;
        TensorLookup w = new TensorLookup(checkpoint, "");
        int h = config.hiddenSize(), hd = config.headDim(), qDim = config.heads() * hd, kvDim = config.kvHeads() * hd;
        int inter = config.intermediateSize();
        embeddings = w.require("model.embed_tokens.weight", config.vocabSize(), h);
        embeddingScale = config.embeddingScale(embeddings.dtype());
        boolean gemma = config.family().gemma(), qkNorm = config.family().qkNorm();
        layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            boolean qkvBias = config.attentionBias() || config.qkvBias();
            boolean mlpBias = config.mlpBias();
            Tensor[] qkv = config.family().fused()
                    ? w.split(p + "self_attn.qkv_proj.weight", h, qDim, kvDim, kvDim)
                    : new Tensor[] {w.require(p + "self_attn.q_proj.weight", qDim, h),
                            w.require(p + "self_attn.k_proj.weight", kvDim, h), w.require(p + "self_attn.v_proj.weight", kvDim, h)};
            Tensor[] gateUp = config.family().fused()
                    ? w.split(p + "mlp.gate_up_proj.weight", h, inter, inter)
                    : new Tensor[] {w.require(p + "mlp.gate_proj.weight", inter, h), w.require(p + "mlp.up_proj.weight", inter, h)};
            layers.add(new Layer(
                    norm(w, p + "input_layernorm.weight", h),
                    qkv[0], qkv[1], qkv[2],
                    w.require(p + "self_attn.o_proj.weight", h, qDim),
                    qkvBias ? w.vector(p + "self_attn.q_proj.bias", qDim) : null,
                    qkvBias ? w.vector(p + "self_attn.k_proj.bias", kvDim) : null,
                    qkvBias ? w.vector(p + "self_attn.v_proj.bias", kvDim) : null,
                    config.attentionBias() ? w.vector(p + "self_attn.o_proj.bias", h) : null,
                    qkNorm ? norm(w, p + "self_attn.q_norm.weight", hd) : null,
                    qkNorm ? norm(w, p + "self_attn.k_norm.weight", hd) : null,
                    gemma ? norm(w, p + "post_attention_layernorm.weight", h) : null,
                    norm(w, p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"), h),
                    gateUp[0], gateUp[1],
                    w.require(p + "mlp.down_proj.weight", h, inter),
                    mlpBias ? w.vector(p + "mlp.gate_proj.bias", inter) : null,
                    mlpBias ? w.vector(p + "mlp.up_proj.bias", inter) : null,
                    mlpBias ? w.vector(p + "mlp.down_proj.bias", h) : null,
                    gemma ? norm(w, p + "post_feedforward_layernorm.weight", h) : null));
        }
        finalNorm = norm(w, "model.norm.weight", h);
        lmHead = config.tieWordEmbeddings() ? embeddings : w.require("lm_head.weight", config.vocabSize(), h);
    }

    /**
     * An RMSNorm weight as the kernel multiplies by it: Gemma stores w centred on 0 and multiplies by
     * 1 + w, which float32 addition here gives exactly as transformers computes it.
     */
    private float[] norm(TensorLookup w, String name, int length) {
        float[] v = w.vector(name, length);
        if (config.family().gemma()) {
            for (int i = 0; i < length; i++) v[i] = 1f + v[i];
        }
        return v;
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
        if (embeddingScale != 1f) {
            for (int i = 0; i < rows * h; i++) x[i] *= embeddingScale;
        }
        Rope global = Rope.tables(config.rope(), past, batch.seqLen());
        Rope local = config.localRope() == null ? null : Rope.tables(config.localRope(), past, batch.seqLen());
        float eps = config.rmsNormEps();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            kernels.rmsnorm(x, y, rows, h, l.inputNorm(), eps);
            kernels.matmul(y, rows, l.q(), l.qBias(), q);
            kernels.matmul(y, rows, l.k(), l.kBias(), k);
            kernels.matmul(y, rows, l.v(), l.vBias(), v);
            if (l.qNorm() != null) {
                kernels.rmsnorm(q, q, rows * config.heads(), hd, l.qNorm(), eps);
                kernels.rmsnorm(k, k, rows * config.kvHeads(), hd, l.kNorm(), eps);
            }
            Rope rope = config.rotary(i) == config.rope() ? global : local;
            kernels.rope(q, rows, batch.seqLen(), config.heads(), hd, rope.dims(), rope.cos(), rope.sin());
            kernels.rope(k, rows, batch.seqLen(), config.kvHeads(), hd, rope.dims(), rope.cos(), rope.sin());
            AttentionShape shape = new AttentionShape(batch.batch(), batch.seqLen(), batch.lengths(), config.heads(),
                    config.kvHeads(), hd, config.attentionScale(), true, config.window(i), past, AttentionShape.Rows.PADDED,
                    config.attentionSoftcap());
            if (cache == null) {
                kernels.attention(q, k, v, att, shape);
            } else {
                cache.put(i, k, v, rows);
                kernels.attention(q, cache.keys(i), cache.values(i), att, shape);
            }
            kernels.matmul(att, rows, l.o(), l.oBias(), y);
            if (l.attentionOutNorm() != null) kernels.rmsnorm(y, y, rows, h, l.attentionOutNorm(), eps);
            kernels.add(x, y, rows * h);
            kernels.rmsnorm(x, y, rows, h, l.mlpNorm(), eps);
            kernels.matmul(y, rows, l.gate(), l.gateBias(), gate);
            kernels.matmul(y, rows, l.up(), l.upBias(), up);
            switch (config.activation()) {
                case SILU -> kernels.swiglu(gate, up, rows * inter);
                case GELU_TANH -> kernels.gegluTanh(gate, up, rows * inter);
            }
            kernels.matmul(gate, rows, l.down(), l.downBias(), y);
            if (l.mlpOutNorm() != null) kernels.rmsnorm(y, y, rows, h, l.mlpOutNorm(), eps);
            kernels.add(x, y, rows * h);
        }
        kernels.rmsnorm(x, x, rows, h, finalNorm, eps);
        if (cache != null) cache.advance(rows);
        return x;
    }

    /** Logits [n x vocab] of every position of one sequence of n ids. */
    public float[] logits(int[] ids) {
        return logits(hidden(TokenBatch.of(List.of(ids), 0)), IntStream.range(0, ids.length).toArray());
    }

    /** Logits [rows.length x vocab] of the chosen rows of `hidden`, softcapped when the config says so (Gemma). */
    public float[] logits(float[] hidden, int[] rows) {
        int h = config.hiddenSize();
        float[] picked = new float[rows.length * h];
        for (int i = 0; i < rows.length; i++) System.arraycopy(hidden, rows[i] * h, picked, i * h, h);
        float[] logits = new float[rows.length * config.vocabSize()];
        kernels.matmul(picked, rows.length, lmHead, null, logits);
        float cap = config.finalSoftcap();
        if (cap > 0) {
            for (int i = 0; i < logits.length; i++) logits[i] = cap * (float) Math.tanh(logits[i] / cap);
        }
        return logits;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
