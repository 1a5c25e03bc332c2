package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.BiasedAttention;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * T5ForConditionalGeneration (T5, T5 v1.1, Flan-T5, mT5) with transformers' eval-mode semantics.
 * Each stack: token embeddings (no scaling, no absolute positions); per block x += attn(LN(x)),
 * in the decoder also x += cross-attn(LN(x), encoder output), then x += FFN(LN(x)); a final LN.
 * LN is T5's RMS norm (no mean, no bias); no linear layer has a bias. Self-attention adds a relative
 * position bias learned by block 0 of the stack and shared by all its blocks. The decoder output is
 * scaled by d_model^-0.5 when the config says so, then multiplied by lm_head (or the embedding).
 */
public final class T5 implements AutoCloseable {

    record Attention(Tensor q, Tensor k, Tensor v, Tensor o) {}

    /** wo(act(wi h)), or wo(act(wi h) * wiLinear h) when gated (wi = wi_0, wiLinear = wi_1). */
    record FeedForward(Tensor wi, Tensor wiLinear, Tensor wo) {}

    /** An encoder block has no cross-attention (null). */
    record Block(float[] selfNorm, Attention self, float[] crossNorm, Attention cross, float[] ffnNorm, FeedForward ffn) {}

    /**
     * The encoder output as the decoder reads it: each decoder block's cross-attention keys and
     * values, [batch * rows x heads * d_kv], computed once per input however many tokens the decoder runs.
     *
     * @param rows    encoder rows per sequence (padded)
     * @param lengths real encoder tokens per sequence: cross-attention sees only these
     */
    public record Memory(int batch, int rows, int[] lengths, float[][] keys, float[][] values) {}

    private final T5Config config;
    private final Checkpoint checkpoint;
    private final Kernels kernels;
    private final Tensor encoderEmbeddings;
    private final Tensor decoderEmbeddings;
    private final List<Block> encoder;
    private final List<Block> decoder;
    private final RelativePositionBias encoderBias;
    private final RelativePositionBias decoderBias;
    private final float[] encoderNorm;
    private final float[] decoderNorm;
    private final Tensor lmHead;

    private T5(T5Config config, Checkpoint checkpoint, Kernels kernels) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.kernels = kernels;
        TensorLookup w = new TensorLookup(checkpoint, "");
        int d = config.dModel();
        encoderEmbeddings = embeddings(w, "encoder", "decoder");
        decoderEmbeddings = embeddings(w, "decoder", "encoder");
        encoder = blocks(w, "encoder", config.encoderLayers());
        decoder = blocks(w, "decoder", config.decoderLayers());
        encoderBias = positionBias(w, "encoder", true);
        decoderBias = positionBias(w, "decoder", false);
        encoderNorm = w.vector("encoder.final_layer_norm.weight", d);
        decoderNorm = w.vector("decoder.final_layer_norm.weight", d);
        // an untied head is stored whatever tie_word_embeddings says (transformers 5 writes true for flan-t5)
        lmHead = w.has("lm_head.weight") ? w.require("lm_head.weight", config.vocabSize(), d) : decoderEmbeddings;
    }

    /** Opens the model's weights (memory-mapped) and checks every tensor against config.json. */
    public static T5 load(ModelDir dir) {
        return load(dir, dir.openCheckpoint());
    }

    /** A forward pass over weights already mapped: it owns `weights` (a share of them) and closes it when closed. */
    public static T5 load(ModelDir dir, Checkpoint weights) {
        return weights.handTo(checkpoint -> new T5(T5Config.parse(dir.config(), dir.name() + "/config.json"), checkpoint, Kernels.cpu()));
    }

    public T5Config config() {
        return config;
    }

    /** shared.weight, else the stack's embed_tokens, else the other stack's (the same matrix, tied). */
    private Tensor embeddings(TensorLookup w, String stack, String other) {
        for (String name : List.of("shared.weight", stack + ".embed_tokens.weight", other + ".embed_tokens.weight")) {
            if (w.has(name)) return w.require(name, config.vocabSize(), config.dModel());
        }
        throw new CocktailException(checkpoint.where() + ": has no token embeddings (shared.weight or " + stack + ".embed_tokens.weight).");
    }

    private List<Block> blocks(TensorLookup w, String stack, int count) {
        boolean isDecoder = stack.equals("decoder");
        int d = config.dModel(), ffnLayer = isDecoder ? 2 : 1;
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String p = stack + ".block." + i + ".layer.";
            out.add(new Block(w.vector(p + "0.layer_norm.weight", d), attention(w, p + "0.SelfAttention."),
                    isDecoder ? w.vector(p + "1.layer_norm.weight", d) : null,
                    isDecoder ? attention(w, p + "1.EncDecAttention.") : null,
                    w.vector(p + ffnLayer + ".layer_norm.weight", d), feedForward(w, p + ffnLayer + ".DenseReluDense.")));
        }
        return out;
    }

    private Attention attention(TensorLookup w, String p) {
        int d = config.dModel(), inner = config.innerDim();
        return new Attention(w.require(p + "q.weight", inner, d), w.require(p + "k.weight", inner, d),
                w.require(p + "v.weight", inner, d), w.require(p + "o.weight", d, inner));
    }

    private FeedForward feedForward(TensorLookup w, String p) {
        int d = config.dModel(), ff = config.dFf();
        Tensor wo = w.require(p + "wo.weight", d, ff);
        if (!config.gated()) return new FeedForward(w.require(p + "wi.weight", ff, d), null, wo);
        return new FeedForward(w.require(p + "wi_0.weight", ff, d), w.require(p + "wi_1.weight", ff, d), wo);
    }

    /** Block 0's table; old checkpoints also carry one in EncDecAttention, which transformers never reads. */
    private RelativePositionBias positionBias(TensorLookup w, String stack, boolean bidirectional) {
        Tensor t = w.require(stack + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight", config.numBuckets(), config.heads());
        float[] table = new float[config.numBuckets() * config.heads()];
        t.toF32(0, table, 0, table.length);
        return new RelativePositionBias(table, config.heads(), config.numBuckets(), config.maxDistance(), bidirectional);
    }

    /**
     * The encoder's last_hidden_state, [batch * seqLen x d_model]. Padded rows are computed like the
     * others (attending to the real tokens only), as transformers does.
     */
    public float[] encode(TokenBatch input) {
        int rows = input.rows(), n = input.seqLen();
        float[] x = embed(encoderEmbeddings, input.ids());
        BiasedAttention self = new BiasedAttention(input.batch(), n, n, input.lengths(), config.heads(), config.dKv(), 0, false,
                encoderBias.values(0, n, n));
        Scratch s = new Scratch(rows, config);
        for (Block b : encoder) {
            selfAttention(b, x, rows, self, null, 0, s);
            feedForward(b, x, rows, s);
        }
        kernels.rmsnorm(x, x, rows, config.dModel(), encoderNorm, config.layerNormEps());
        return x;
    }

    /** Every decoder block's cross-attention keys and values of an encoder output (from encode(input)). */
    public Memory memory(float[] encoded, TokenBatch input) {
        int rows = input.rows(), inner = config.innerDim();
        float[][] keys = new float[decoder.size()][], values = new float[decoder.size()][];
        Tensor[] ws = new Tensor[2 * decoder.size()];
        float[][] outs = new float[ws.length][];
        for (int l = 0; l < decoder.size(); l++) {
            Attention a = decoder.get(l).cross();
            ws[2 * l] = a.k();
            ws[2 * l + 1] = a.v();
            outs[2 * l] = keys[l] = new float[rows * inner];
            outs[2 * l + 1] = values[l] = new float[rows * inner];
        }
        kernels.matmul(encoded, rows, ws, new float[ws.length][], outs);
        return new Memory(input.batch(), input.seqLen(), input.lengths(), keys, values);
    }

    /** A cache of the decoder's self-attention keys and values for `capacity` positions. */
    public T5Cache newCache(int capacity) {
        return new T5Cache(decoder.size(), config.innerDim(), capacity);
    }

    /**
     * The decoder's output after the final norm (and the d_model^-0.5 scaling where the config asks
     * for it), [batch * seqLen x d_model]; decoder sequence b reads memory's sequence b. Causal
     * only, no padding mask: a target's padding comes after its real tokens. With a cache, the
     * batch is one sequence continuing the cached positions.
     */
    public float[] decode(TokenBatch target, Memory memory, T5Cache cache) {
        if (target.batch() != memory.batch()) throw new IllegalArgumentException(target.batch() + " targets for " + memory.batch() + " inputs");
        if (cache != null && target.batch() != 1) throw new IllegalArgumentException("a cache continues one sequence, not " + target.batch());
        int past = cache == null ? 0 : cache.length(), rows = target.rows(), n = target.seqLen(), d = config.dModel();
        float[] x = embed(decoderEmbeddings, target.ids());
        int[] all = new int[target.batch()];
        Arrays.fill(all, past + n);
        BiasedAttention self = new BiasedAttention(target.batch(), n, past + n, all, config.heads(), config.dKv(), past, true,
                decoderBias.values(past, n, past + n));
        BiasedAttention cross = new BiasedAttention(target.batch(), n, memory.rows(), memory.lengths(), config.heads(), config.dKv(),
                0, false, null);
        Scratch s = new Scratch(rows, config);
        for (int l = 0; l < decoder.size(); l++) {
            Block b = decoder.get(l);
            selfAttention(b, x, rows, self, cache, l, s);
            kernels.rmsnorm(x, s.normed(), rows, d, b.crossNorm(), config.layerNormEps());
            kernels.matmul(s.normed(), rows, b.cross().q(), null, s.q());
            kernels.attention(s.q(), memory.keys()[l], memory.values()[l], s.att(), cross);
            kernels.matmul(s.att(), rows, b.cross().o(), null, s.y());
            kernels.add(x, s.y(), rows * d);
            feedForward(b, x, rows, s);
        }
        kernels.rmsnorm(x, x, rows, d, decoderNorm, config.layerNormEps());
        if (config.scaleDecoderOutputs()) {
            float scale = (float) Math.pow(d, -0.5);
            for (int i = 0; i < rows * d; i++) x[i] *= scale;
        }
        if (cache != null) cache.advance(rows);
        return x;
    }

    /** Logits [rows.length x vocab] of the chosen rows of a decoder output. */
    public float[] logits(float[] decoded, int[] rows) {
        int d = config.dModel();
        float[] picked = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) System.arraycopy(decoded, rows[i] * d, picked, i * d, d);
        float[] logits = new float[rows.length * config.vocabSize()];
        kernels.matmul(picked, rows.length, lmHead, null, logits);
        return logits;
    }

    /** A block's activations for `rows` rows, allocated once per pass. */
    private record Scratch(float[] normed, float[] q, float[] k, float[] v, float[] att, float[] y, float[] mid, float[] linear) {
        Scratch(int rows, T5Config c) {
            this(new float[rows * c.dModel()], new float[rows * c.innerDim()], new float[rows * c.innerDim()],
                    new float[rows * c.innerDim()], new float[rows * c.innerDim()], new float[rows * c.dModel()],
                    new float[rows * c.dFf()], c.gated() ? new float[rows * c.dFf()] : null);
        }
    }

    private float[] embed(Tensor table, int[] ids) {
        int d = config.dModel();
        float[] x = new float[ids.length * d];
        for (int r = 0; r < ids.length; r++) {
            if (ids[r] < 0 || ids[r] >= config.vocabSize()) {
                throw new CocktailException("token id " + ids[r] + " is outside the vocabulary of " + checkpoint.where()
                        + " (" + config.vocabSize() + " ids).");
            }
            table.toF32((long) ids[r] * d, x, r * d, d);
        }
        return x;
    }

    /** x += o(attention(LN(x))), the keys and values those of x's rows (after the cached ones). */
    private void selfAttention(Block b, float[] x, int rows, BiasedAttention shape, T5Cache cache, int layer, Scratch s) {
        int d = config.dModel();
        Attention a = b.self();
        kernels.rmsnorm(x, s.normed(), rows, d, b.selfNorm(), config.layerNormEps());
        kernels.matmul(s.normed(), rows, new Tensor[] {a.q(), a.k(), a.v()}, new float[3][], new float[][] {s.q(), s.k(), s.v()});
        if (cache == null) {
            kernels.attention(s.q(), s.k(), s.v(), s.att(), shape);
        } else {
            cache.put(layer, s.k(), s.v(), rows);
            kernels.attention(s.q(), cache.keys(layer), cache.values(layer), s.att(), shape);
        }
        kernels.matmul(s.att(), rows, a.o(), null, s.y());
        kernels.add(x, s.y(), rows * d);
    }

    /** x += FFN(LN(x)). */
    private void feedForward(Block b, float[] x, int rows, Scratch s) {
        int d = config.dModel(), n = rows * config.dFf();
        FeedForward f = b.ffn();
        kernels.rmsnorm(x, s.normed(), rows, d, b.ffnNorm(), config.layerNormEps());
        if (f.wiLinear() == null) {
            kernels.matmul(s.normed(), rows, f.wi(), null, s.mid());
            activate(s.mid(), n);
        } else {
            kernels.matmul(s.normed(), rows, new Tensor[] {f.wi(), f.wiLinear()}, new float[2][], new float[][] {s.mid(), s.linear()});
            if (config.activation() == T5Config.Activation.GELU_NEW) { // Flan-T5's gated-gelu, on the workers
                kernels.gegluTanh(s.mid(), s.linear(), n);
            } else {
                activate(s.mid(), n);
                for (int i = 0; i < n; i++) s.mid()[i] *= s.linear()[i];
            }
        }
        kernels.matmul(s.mid(), rows, f.wo(), null, s.y());
        kernels.add(x, s.y(), rows * d);
    }

    private void activate(float[] h, int n) {
        switch (config.activation()) {
            case RELU -> {
                for (int i = 0; i < n; i++) h[i] = Math.max(h[i], 0f);
            }
            case GELU -> kernels.gelu(h, n);
            case GELU_NEW -> kernels.geluTanh(h, n); // transformers' NewGELUActivation
            case SILU -> {
                for (int i = 0; i < n; i++) h[i] = (float) (h[i] / (1 + Math.exp(-h[i])));
            }
        }
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
