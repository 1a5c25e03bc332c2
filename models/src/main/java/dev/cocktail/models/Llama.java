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
 * gemma3_text, phi3, mixtral, qwen2_moe) with Hugging Face semantics: embeddings (Gemma: times sqrt(hidden)); per layer
 * x += attention(norm(x)) and x += down(act(gate(h)) * up(h)) with h = norm(x) (Mixtral: the
 * SparseMoe of h instead), Gemma also norming each branch's output; final norm; lm_head, or the embedding matrix when the embeddings are tied
 * (Gemma: logits softcapped). What differs between the families is read from LlamaConfig here and
 * nowhere else. The matrices stay in the memory map in their file dtype.
 */
public final class Llama implements AutoCloseable {

    /**
     * One decoder layer's weights; biases, q/k norms and the norms of the branch outputs (Gemma) are
     * null when the model has none. mlpNorm is Llama's post_attention_layernorm, Gemma's pre_feedforward_layernorm.
     * moe is the sparse MoE MLP (Mixtral's, Qwen2-MoE's), the dense gate, up and down then null.
     */
    record Layer(float[] inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, float[] qBias, float[] kBias, float[] vBias,
                 float[] oBias, float[] qNorm, float[] kNorm, float[] attentionOutNorm, float[] mlpNorm, Tensor gate,
                 Tensor up, Tensor down, float[] gateBias, float[] upBias, float[] downBias, float[] mlpOutNorm,
                 SparseMoe moe) {}

    private final LlamaConfig config;
    private final Checkpoint checkpoint;
    private final String where;
    private final Tensor embeddings;
    private final List<Layer> layers;
    private final float[] finalNorm;
    private final Tensor lmHead;
    private final Kernels kernels;

    private Llama(LlamaConfig config, Checkpoint checkpoint, Kernels kernels) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.kernels = kernels;
        where = checkpoint.where().toString();
        TensorLookup w = new TensorLookup(checkpoint, "");
        int h = config.hiddenSize();
        embeddings = w.require("model.embed_tokens.weight", config.vocabSize(), h);
        layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) layers.add(layer(config, w, i));
        finalNorm = norm(config, w, "model.norm.weight", h);
        lmHead = config.tieWordEmbeddings() ? embeddings : w.require("lm_head.weight", config.vocabSize(), h);
    }

    /**
     * A pass that holds no weights: each call is given the weights it uses (LayerwiseDecoder, whose
     * weights are computed one layer at a time). `where` names the model in messages.
     */
    Llama(LlamaConfig config, Kernels kernels, String where) {
        this.config = config;
        this.kernels = kernels;
        this.where = where;
        checkpoint = null;
        embeddings = null;
        layers = List.of();
        finalNorm = null;
        lmHead = null;
    }

    /** Decoder layer i's weights, checked against the config. */
    static Layer layer(LlamaConfig config, TensorLookup w, int i) {
        int h = config.hiddenSize(), hd = config.headDim(), qDim = config.heads() * hd, kvDim = config.kvHeads() * hd;
        int inter = config.intermediateSize();
        boolean gemma = config.family().gemma(), qkNorm = config.family().qkNorm();
        String p = "model.layers." + i + ".";
        boolean qkvBias = config.attentionBias() || config.qkvBias();
        boolean mlpBias = config.mlpBias();
        Tensor[] qkv = config.family().fused()
                ? w.split(p + "self_attn.qkv_proj.weight", h, qDim, kvDim, kvDim)
                : new Tensor[] {w.require(p + "self_attn.q_proj.weight", qDim, h),
                        w.require(p + "self_attn.k_proj.weight", kvDim, h), w.require(p + "self_attn.v_proj.weight", kvDim, h)};
        boolean moe = config.experts() != null && config.experts().sparse(i);
        Tensor[] gateUp = moe ? new Tensor[2] : config.family().fused()
                ? w.split(p + "mlp.gate_up_proj.weight", h, inter, inter)
                : new Tensor[] {w.require(p + "mlp.gate_proj.weight", inter, h), w.require(p + "mlp.up_proj.weight", inter, h)};
        return new Layer(
                norm(config, w, p + "input_layernorm.weight", h),
                qkv[0], qkv[1], qkv[2],
                w.require(p + "self_attn.o_proj.weight", h, qDim),
                qkvBias ? w.vector(p + "self_attn.q_proj.bias", qDim) : null,
                qkvBias ? w.vector(p + "self_attn.k_proj.bias", kvDim) : null,
                qkvBias ? w.vector(p + "self_attn.v_proj.bias", kvDim) : null,
                config.attentionBias() ? w.vector(p + "self_attn.o_proj.bias", h) : null,
                qkNorm ? norm(config, w, p + "self_attn.q_norm.weight", hd) : null,
                qkNorm ? norm(config, w, p + "self_attn.k_norm.weight", hd) : null,
                gemma ? norm(config, w, p + "post_attention_layernorm.weight", h) : null,
                norm(config, w, p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"), h),
                gateUp[0], gateUp[1],
                moe ? null : w.require(p + "mlp.down_proj.weight", h, inter),
                mlpBias ? w.vector(p + "mlp.gate_proj.bias", inter) : null,
                mlpBias ? w.vector(p + "mlp.up_proj.bias", inter) : null,
                mlpBias ? w.vector(p + "mlp.down_proj.bias", h) : null,
                gemma ? norm(config, w, p + "post_feedforward_layernorm.weight", h) : null,
                moe ? SparseMoe.load(w, p, config) : null);
    }

    /**
     * An RMSNorm weight as the kernel multiplies by it: Gemma stores w centred on 0 and multiplies by
     * 1 + w, which float32 addition here gives exactly as transformers computes it.
     */
    static float[] norm(LlamaConfig config, TensorLookup w, String name, int length) {
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
        return load(dir, dir.openCheckpoint(), kernels);
    }

    /** A forward pass over weights already mapped: it owns `weights` (a share of them) and closes it when closed. */
    public static Llama load(ModelDir dir, Checkpoint weights, Kernels kernels) {
        return weights.handTo(checkpoint -> new Llama(LlamaConfig.parse(dir.config(), dir.name() + "/config.json"), checkpoint, kernels));
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
     * to the cache and to each other, and their keys and values join the cache. An empty cache takes
     * the rows in one pass; a cache that holds positions already takes them one decoding step each.
     */
    public float[] hidden(TokenBatch batch, KvCache cache) {
        if (cache != null && batch.batch() != 1) throw new IllegalArgumentException("a cache continues one sequence, not " + batch.batch());
        if (cache != null && cache.length() > 0) return continued(batch.ids(), cache);
        int rows = batch.rows();
        StepBuffers b = new StepBuffers(config, rows, false);
        embed(embeddings, batch.ids(), rows, b.x);
        Rope global = Rope.tables(config.rope(), 0, batch.seqLen());
        Rope local = config.localRope() == null ? null : Rope.tables(config.localRope(), 0, batch.seqLen());
        layers(b, rows, global, local, batch.seqLen(), batch, cache, null, null);
        if (cache != null) cache.advance(rows);
        return b.x;
    }

    /**
     * The residual stream entering each layer for one sequence, [layers][n x hidden]: transformers'
     * output_hidden_states without the last entry (the embeddings, then each layer's output but the last).
     */
    public float[][] layerInputs(int[] ids) {
        int rows = ids.length;
        TokenBatch batch = TokenBatch.of(List.of(ids), 0);
        StepBuffers b = new StepBuffers(config, rows, false);
        embed(embeddings, batch.ids(), rows, b.x);
        Rope global = Rope.tables(config.rope(), 0, rows);
        Rope local = config.localRope() == null ? null : Rope.tables(config.localRope(), 0, rows);
        float[][] inputs = new float[layers.size()][rows * config.hiddenSize()];
        layers(b, rows, global, local, rows, batch, null, null, inputs);
        return inputs;
    }

    /** The hidden states of rows that continue a cached sequence, a decoding step per row. */
    private float[] continued(int[] ids, KvCache cache) {
        int h = config.hiddenSize();
        StepBuffers b = new StepBuffers(config, 1, false);
        KvCache[] caches = {cache};
        float[] out = new float[ids.length * h];
        for (int r = 0; r < ids.length; r++) {
            b.ids[0] = ids[r];
            step(b, 1, caches);
            System.arraycopy(b.x, 0, out, r * h, h);
        }
        return out;
    }

    /**
     * One decoding step of `rows` sequences at once: row r's token b.ids[r] follows the positions of
     * caches[r] (all of one capacity), and its key and value join them. Leaves the rows' final hidden
     * states in b.x and, when b has room for them, their logits in b.logits. Every product runs
     * through Kernels.matvec, so each row's bits are those it gets decoded alone.
     */
    public void step(StepBuffers b, int rows, KvCache[] caches) {
        for (int r = 0; r < rows; r++) {
            if (caches[r].stride() != caches[0].stride()) throw new IllegalArgumentException("caches of different capacities");
            b.positions[r] = caches[r].length();
        }
        Rope global = rowTables(config.rope(), b.positions, rows, b.cos, b.sin);
        Rope local = config.localRope() == null ? null : rowTables(config.localRope(), b.positions, rows, b.localCos, b.localSin);
        embed(embeddings, b.ids, rows, b.x);
        layers(b, rows, global, local, rows, null, null, caches, null);
        for (int r = 0; r < rows; r++) caches[r].advance(1);
        if (b.logits != null) {
            kernels.matvec(b.x, rows, lmHead, null, b.logits);
            softcap(b.logits, rows * config.vocabSize());
        }
    }

    /** RoPE tables with row r for position positions[r], as that position's own decoding step builds them. */
    private static Rope rowTables(LlamaConfig.Rotary rotary, int[] positions, int rows, float[] cos, float[] sin) {
        int half = rotary.dims() / 2;
        for (int r = 0; r < rows; r++) {
            Rope one = Rope.tables(rotary, positions[r], 1);
            System.arraycopy(one.cos(), 0, cos, r * half, half);
            System.arraycopy(one.sin(), 0, sin, r * half, half);
        }
        return new Rope(cos, sin, rotary.dims());
    }

    /** x[r] = the embedding of ids[r], for r < rows. */
    void embed(Tensor embeddings, int[] ids, int rows, float[] x) {
        int h = config.hiddenSize();
        float embeddingScale = config.embeddingScale(embeddings.dtype());
        for (int r = 0; r < rows; r++) {
            int id = ids[r];
            if (id < 0 || id >= config.vocabSize()) {
                throw new CocktailException("token id " + id + " is outside the vocabulary of " + where
                        + " (" + config.vocabSize() + " ids).");
            }
            embeddings.toF32((long) id * h, x, r * h, h);
        }
        if (embeddingScale != 1f) {
            for (int i = 0; i < rows * h; i++) x[i] *= embeddingScale;
        }
    }

    /**
     * The decoder layers and the final norm over b.x. Row r is at row r % ropeRows of the RoPE
     * tables (local: Gemma 3's sliding layers, else null). Either a prefill (batch set: attention
     * within the batch, whose keys and values also fill `prefill` when it is set) or a decoding step
     * (caches set: row r attends over caches[r]). When `inputs` is set, inputs[i] receives x as layer i gets it.
     */
    private void layers(StepBuffers b, int rows, Rope global, Rope local, int ropeRows, TokenBatch batch, KvCache prefill,
                        KvCache[] caches, float[][] inputs) {
        layers(layers, 0, b.x, b, rows, global, local, ropeRows, batch, prefill, caches, inputs);
        norm(finalNorm, b.x, rows);
    }

    /**
     * The layers `run`, which are layers first, first + 1, ... of the model, over the hidden states
     * x; the other activations live in b. The rest as above, except that a prefill's rows may also be
     * packed: fewer rows than batch.rows() are the sequences' real tokens one after another, with no
     * padding (LayerwiseDecoder's stacked batches).
     */
    void layers(List<Layer> run, int first, float[] x, StepBuffers b, int rows, Rope global, Rope local, int ropeRows,
                TokenBatch batch, KvCache prefill, KvCache[] caches, float[][] inputs) {
        boolean decoding = caches != null;
        int h = config.hiddenSize(), hd = config.headDim(), kvDim = config.kvHeads() * hd, inter = config.intermediateSize();
        float[] y = b.y, q = b.q, k = b.k, v = b.v, att = b.att, gate = b.gate, up = b.up;
        float eps = config.rmsNormEps();
        for (int j = 0; j < run.size(); j++) {
            int i = first + j;
            Layer l = run.get(j);
            if (inputs != null) System.arraycopy(x, 0, inputs[i], 0, rows * h);
            kernels.rmsnorm(x, y, rows, h, l.inputNorm(), eps);
            products(decoding, y, rows, new Tensor[] {l.q(), l.k(), l.v()}, new float[][] {l.qBias(), l.kBias(), l.vBias()},
                    new float[][] {q, k, v});
            if (l.qNorm() != null) {
                kernels.rmsnorm(q, q, rows * config.heads(), hd, l.qNorm(), eps);
                kernels.rmsnorm(k, k, rows * config.kvHeads(), hd, l.kNorm(), eps);
            }
            Rope rope = config.rotary(i) == config.rope() ? global : local;
            kernels.rope(q, rows, ropeRows, config.heads(), hd, rope.dims(), rope.cos(), rope.sin());
            kernels.rope(k, rows, ropeRows, config.kvHeads(), hd, rope.dims(), rope.cos(), rope.sin());
            AttentionShape shape = decoding
                    ? new AttentionShape(b.ones.length, 1, b.ones, config.heads(), config.kvHeads(), hd, config.attentionScale(),
                            true, config.window(i), 0, AttentionShape.Rows.PADDED, config.attentionSoftcap())
                    : new AttentionShape(batch.batch(), batch.seqLen(), batch.lengths(), config.heads(), config.kvHeads(), hd,
                            config.attentionScale(), true, config.window(i), 0,
                            rows == batch.rows() ? AttentionShape.Rows.PADDED : AttentionShape.Rows.PACKED, config.attentionSoftcap());
            if (decoding) {
                for (int r = 0; r < rows; r++) {
                    caches[r].put(i, k, r * kvDim, v, r * kvDim, 1);
                    b.keys[r] = caches[r].keys(i);
                    b.values[r] = caches[r].values(i);
                }
                kernels.cachedAttention(q, att, rows, b.keys, b.values, caches[0].stride(), b.positions, shape);
            } else {
                kernels.attention(q, k, v, att, shape);
                if (prefill != null) prefill.put(i, k, 0, v, 0, rows);
            }
            products(decoding, att, rows, new Tensor[] {l.o()}, new float[][] {l.oBias()}, new float[][] {y});
            if (l.attentionOutNorm() != null) kernels.rmsnorm(y, y, rows, h, l.attentionOutNorm(), eps);
            kernels.add(x, y, rows * h);
            kernels.rmsnorm(x, y, rows, h, l.mlpNorm(), eps);
            if (l.moe() != null) {
                l.moe().forward(kernels, decoding, y, rows, gate, up, y);
            } else {
                products(decoding, y, rows, new Tensor[] {l.gate(), l.up()}, new float[][] {l.gateBias(), l.upBias()},
                        new float[][] {gate, up});
                switch (config.activation()) {
                    case SILU -> kernels.swiglu(gate, up, rows * inter);
                    case GELU_TANH -> kernels.gegluTanh(gate, up, rows * inter);
                }
                products(decoding, gate, rows, new Tensor[] {l.down()}, new float[][] {l.downBias()}, new float[][] {y});
            }
            if (l.mlpOutNorm() != null) kernels.rmsnorm(y, y, rows, h, l.mlpOutNorm(), eps);
            kernels.add(x, y, rows * h);
        }
    }

    /** The final norm (its weight given) over the first `rows` rows of x, in place. */
    void norm(float[] weight, float[] x, int rows) {
        kernels.rmsnorm(x, x, rows, config.hiddenSize(), weight, config.rmsNormEps());
    }

    /**
     * outs[m] = x ws[m]^T (+ biases[m]): a decoding step's products in one job (each row's bits whatever
     * the rows beside it), a prefill's through the batched products, each with the bits it gets alone.
     */
    private void products(boolean decoding, float[] x, int rows, Tensor[] ws, float[][] biases, float[][] outs) {
        if (decoding) {
            kernels.matvec(x, rows, ws, biases, outs);
        } else {
            kernels.matmul(x, rows, ws, biases, outs);
        }
    }

    /** Logits [n x vocab] of every position of one sequence of n ids. */
    public float[] logits(int[] ids) {
        return logits(hidden(TokenBatch.of(List.of(ids), 0)), IntStream.range(0, ids.length).toArray());
    }

    /** Logits [rows.length x vocab] of the chosen rows of `hidden`, softcapped when the config says so (Gemma). */
    public float[] logits(float[] hidden, int[] rows) {
        return logits(lmHead, hidden, rows);
    }

    /** The same with the head's weights given. */
    float[] logits(Tensor lmHead, float[] hidden, int[] rows) {
        int h = config.hiddenSize();
        float[] picked = new float[rows.length * h];
        for (int i = 0; i < rows.length; i++) System.arraycopy(hidden, rows[i] * h, picked, i * h, h);
        float[] logits = new float[rows.length * config.vocabSize()];
        kernels.matmul(picked, rows.length, lmHead, null, logits);
        softcap(logits, logits.length);
        return logits;
    }

    /** Gemma's final logit softcapping of logits[0..n), when the config has it. */
    private void softcap(float[] logits, int n) {
        float cap = config.finalSoftcap();
        if (cap > 0) {
            for (int i = 0; i < n; i++) logits[i] = cap * (float) Math.tanh(logits[i] / cap);
        }
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
