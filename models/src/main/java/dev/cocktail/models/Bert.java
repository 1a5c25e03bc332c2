package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.AttentionShape;
import dev.cocktail.engine.kernels.AttentionShape.Rows;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face BertModel's encoder (post-LN): word + position + token-type embeddings and LayerNorm;
 * per layer, bidirectional self-attention over the real tokens, output dense + residual + LayerNorm,
 * exact GELU feed-forward + residual + LayerNorm. XLM-RoBERTa (and RoBERTa) is the same network with
 * other position ids (see BertConfig.robertaPositions). Tensor names may carry a `bert.` or `roberta.`
 * prefix (as in the checkpoints of models with a head); the pooler is optional, heads are Reranker's.
 */
public final class Bert implements AutoCloseable {

    record Layer(Tensor q, float[] qBias, Tensor k, float[] kBias, Tensor v, float[] vBias, Tensor o, float[] oBias,
                 float[] attnNorm, float[] attnNormBias, Tensor up, float[] upBias, Tensor down, float[] downBias,
                 float[] outNorm, float[] outNormBias) {}

    /** The word, position and token-type embeddings and their LayerNorm. */
    record Embedding(Tensor words, Tensor positions, Tensor types, float[] norm, float[] normBias) {}

    private final BertConfig config;
    private final Checkpoint checkpoint;
    private final String where;
    private final Embedding embedding;
    private final Tensor pooler;
    private final float[] poolerBias;
    private final List<Layer> layers = new ArrayList<>();
    private final Kernels kernels;

    private Bert(BertConfig config, Checkpoint checkpoint, Kernels kernels) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.kernels = kernels;
        where = checkpoint.where().toString();
        TensorLookup w = encoderTensors(TensorSource.of(checkpoint));
        int h = config.hiddenSize();
        embedding = embedding(config, w);
        pooler = w.has("pooler.dense.weight") ? w.require("pooler.dense.weight", h, h) : null;
        poolerBias = pooler != null ? w.vector("pooler.dense.bias", h) : null;
        for (int i = 0; i < config.layers(); i++) layers.add(layer(config, w, i));
    }

    /**
     * A pass that holds no weights: each call is given the weights it uses (LayerwiseEncoder, whose
     * weights are computed one layer at a time). `where` names the model in messages.
     */
    Bert(BertConfig config, Kernels kernels, String where) {
        this.config = config;
        this.kernels = kernels;
        this.where = where;
        checkpoint = null;
        embedding = null;
        pooler = null;
        poolerBias = null;
    }

    static Embedding embedding(BertConfig config, TensorLookup w) {
        int h = config.hiddenSize();
        return new Embedding(w.require("embeddings.word_embeddings.weight", config.vocabSize(), h),
                w.require("embeddings.position_embeddings.weight", config.maxPositions(), h),
                w.require("embeddings.token_type_embeddings.weight", config.typeVocabSize(), h),
                w.vector("embeddings.LayerNorm.weight", h), w.vector("embeddings.LayerNorm.bias", h));
    }

    /** Encoder layer i's weights, checked against the config. */
    static Layer layer(BertConfig config, TensorLookup w, int i) {
        int h = config.hiddenSize(), inter = config.intermediateSize();
        String p = "encoder.layer." + i + ".";
        return new Layer(
                w.require(p + "attention.self.query.weight", h, h), w.vector(p + "attention.self.query.bias", h),
                w.require(p + "attention.self.key.weight", h, h), w.vector(p + "attention.self.key.bias", h),
                w.require(p + "attention.self.value.weight", h, h), w.vector(p + "attention.self.value.bias", h),
                w.require(p + "attention.output.dense.weight", h, h), w.vector(p + "attention.output.dense.bias", h),
                w.vector(p + "attention.output.LayerNorm.weight", h), w.vector(p + "attention.output.LayerNorm.bias", h),
                w.require(p + "intermediate.dense.weight", inter, h), w.vector(p + "intermediate.dense.bias", inter),
                w.require(p + "output.dense.weight", h, inter), w.vector(p + "output.dense.bias", h),
                w.vector(p + "output.LayerNorm.weight", h), w.vector(p + "output.LayerNorm.bias", h));
    }

    /** The encoder's tensors are the source's own, or those of the `bert.` or `roberta.` base model under a head. */
    static TensorLookup encoderTensors(TensorSource source) {
        for (String p : new String[] {"bert.", "roberta."}) {
            if (source.tensor(p + "embeddings.word_embeddings.weight") != null) return new TensorLookup(source, p);
        }
        return new TensorLookup(source, "");
    }

    /** The tensors of the head, which are named without the encoder's prefix. */
    TensorLookup headTensors() {
        return new TensorLookup(checkpoint, "");
    }

    public static Bert load(ModelDir dir) {
        return load(dir, dir.openCheckpoint());
    }

    /** A forward pass over weights already mapped: it owns `weights` (a share of them) and closes it when closed. */
    public static Bert load(ModelDir dir, Checkpoint weights) {
        return weights.handTo(checkpoint -> new Bert(BertConfig.parse(dir.config(), dir.name() + "/config.json"), checkpoint, Kernels.cpu()));
    }

    public BertConfig config() {
        return config;
    }

    /**
     * last_hidden_state [batch * seqLen x hidden] with token types 0. Padded rows are computed like
     * the others (attending to the real tokens only), as Hugging Face does.
     */
    public float[] hidden(TokenBatch batch) {
        return encode(batch, Rows.PADDED);
    }

    /**
     * The real tokens' rows of last_hidden_state, sequence after sequence ([sum of lengths x hidden]),
     * equal to hidden's: padded rows take no part in a real token's state, so they are not computed
     * at all (a batch of texts of mixed lengths is that much less work).
     */
    public float[] tokenStates(TokenBatch batch) {
        return encode(batch, Rows.PACKED);
    }

    /**
     * Each sequence's first ([CLS]) row of last_hidden_state ([batch x hidden]), equal to hidden's:
     * the last layer needs every token's keys and values, but the rest of it only for these rows.
     */
    public float[] clsStates(TokenBatch batch) {
        return encode(batch, Rows.FIRST);
    }

    /**
     * pooler_output [batch x hidden]: tanh(pooler.dense(h[:,0])), BertModel's second output (and
     * the first half of BertForSequenceClassification's head).
     */
    public float[] pooled(TokenBatch batch) {
        if (pooler == null) throw new CocktailException(where + ": has no pooler (pooler.dense.weight).");
        return denseTanh(clsStates(batch), batch.batch(), pooler, poolerBias);
    }

    /** tanh(w x + bias) for each of the n rows of x. */
    float[] denseTanh(float[] x, int n, Tensor w, float[] bias) {
        float[] y = linear(x, n, w, bias);
        for (int i = 0; i < y.length; i++) y[i] = (float) Math.tanh(y[i]);
        return y;
    }

    /** w x + bias for each of the n rows of x, w [out x in] as nn.Linear stores it. */
    float[] linear(float[] x, int n, Tensor w, float[] bias) {
        float[] y = new float[Math.toIntExact(n * w.shape()[0])];
        kernels.matmul(x, n, w, bias, y);
        return y;
    }

    private float[] encode(TokenBatch batch, Rows out) {
        AttentionShape shape = shape(batch, out == Rows.FIRST ? Rows.PACKED : out);
        float[] x = embed(embedding, batch, shape);
        int rows = x.length / config.hiddenSize();
        Scratch s = new Scratch(rows, config.hiddenSize(), config.intermediateSize());
        for (int i = 0; i < layers.size() - 1; i++) layer(layers.get(i), x, x, rows, shape, s);
        return last(layers.getLast(), x, batch, out, s);
    }

    /** The embeddings' LayerNorm output [query rows of shape x hidden], the input of the first layer. */
    float[] embed(Embedding e, TokenBatch batch, AttentionShape shape) {
        if (batch.seqLen() > config.maxTokens()) {
            throw new CocktailException(batch.seqLen() + " tokens are more than the " + config.maxTokens()
                    + " positions of " + where + ".");
        }
        int rows = 0, h = config.hiddenSize();
        for (int b = 0; b < batch.batch(); b++) rows += shape.queryRows(b);
        float[] x = new float[rows * h], row = new float[h];
        for (int b = 0, r = 0; b < batch.batch(); b++) {
            int real = 0; // ids that are not padding so far
            for (int t = 0; t < shape.queryRows(b); t++, r++) {
                int at = b * batch.seqLen() + t, id = batch.ids()[at], type = batch.typeIds() == null ? 0 : batch.typeIds()[at];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new CocktailException("token id " + id + " is outside the vocabulary of " + where
                            + " (" + config.vocabSize() + " ids).");
                }
                if (type < 0 || type >= config.typeVocabSize()) {
                    throw new CocktailException("token type " + type + " is outside the " + config.typeVocabSize() + " types of "
                            + where + ".");
                }
                // RoBERTa: cumsum(ids != pad) * (ids != pad) + pad, from the ids as transformers does
                int position = t;
                if (config.robertaPositions()) position = id == config.padTokenId() ? config.padTokenId() : config.padTokenId() + ++real;
                e.words().toF32((long) id * h, x, r * h, h);
                e.positions().toF32((long) position * h, row, 0, h);
                for (int j = 0; j < h; j++) x[r * h + j] += row[j];
                e.types().toF32((long) type * h, row, 0, h);
                for (int j = 0; j < h; j++) x[r * h + j] += row[j];
            }
        }
        kernels.layernorm(x, x, rows, h, e.norm(), e.normBias(), config.layerNormEps());
        return x;
    }

    /**
     * The last layer l over x (the query rows of `out` == FIRST ? PACKED : out): every row, in x
     * itself, or (FIRST) only each sequence's first, in a new array.
     */
    float[] last(Layer l, float[] x, TokenBatch batch, Rows out, Scratch s) {
        int h = config.hiddenSize(), rows = x.length / h;
        if (out != Rows.FIRST) {
            layer(l, x, x, rows, shape(batch, out), s);
            return x;
        }
        float[] first = new float[batch.batch() * h];
        AttentionShape packed = shape(batch, Rows.PACKED);
        for (int b = 0; b < batch.batch(); b++) System.arraycopy(x, packed.firstQueryRow(b) * h, first, b * h, h);
        layer(l, x, first, rows, shape(batch, Rows.FIRST), s);
        return first;
    }

    /** A layer's activations, for `rows` rows (fewer may be used), allocated once per forward pass. */
    record Scratch(float[] q, float[] k, float[] v, float[] att, float[] y, float[] mid) {
        Scratch(int rows, int h, int inter) {
            this(new float[rows * h], new float[rows * h], new float[rows * h], new float[rows * h], new float[rows * h],
                    new float[rows * inter]);
        }
    }

    AttentionShape shape(TokenBatch batch, Rows rows) {
        return new AttentionShape(batch.batch(), batch.seqLen(), batch.lengths(), config.heads(), config.heads(),
                config.headDim(), (float) (1 / Math.sqrt(config.headDim())), false, 0, 0, rows);
    }

    /**
     * One encoder layer: keys and values from all `rows` rows of x, everything else for the query
     * rows of `shape` only, held in (and replaced in) `queries`, which is x itself unless the layer
     * is only wanted for some rows.
     */
    void layer(Layer l, float[] x, float[] queries, int rows, AttentionShape shape, Scratch s) {
        int h = config.hiddenSize(), n = queries.length / h;
        kernels.matmul(queries, n, l.q(), l.qBias(), s.q());
        kernels.matmul(x, rows, l.k(), l.kBias(), s.k());
        kernels.matmul(x, rows, l.v(), l.vBias(), s.v());
        kernels.attention(s.q(), s.k(), s.v(), s.att(), shape);
        kernels.matmul(s.att(), n, l.o(), l.oBias(), s.y());
        kernels.add(s.y(), queries, n * h);
        kernels.layernorm(s.y(), queries, n, h, l.attnNorm(), l.attnNormBias(), config.layerNormEps());
        kernels.matmul(queries, n, l.up(), l.upBias(), s.mid());
        kernels.gelu(s.mid(), n * config.intermediateSize());
        kernels.matmul(s.mid(), n, l.down(), l.downBias(), s.y());
        kernels.add(s.y(), queries, n * h);
        kernels.layernorm(s.y(), queries, n, h, l.outNorm(), l.outNormBias(), config.layerNormEps());
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
