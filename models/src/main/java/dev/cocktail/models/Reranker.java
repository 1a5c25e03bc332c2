package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;

/**
 * A cross-encoder reranker: one relevance logit per (query, passage) pair, out(tanh(dense(h[:,0])))
 * on the encoder's first token. BertForSequenceClassification's dense is the pooler and its out the
 * `classifier`; (XLM)RobertaForSequenceClassification's are `classifier.dense` and `classifier.out_proj`.
 */
public final class Reranker implements AutoCloseable {
    private final Bert bert;
    private final Tensor dense;
    private final float[] denseBias;
    private final Tensor out;
    private final float[] outBias;

    private Reranker(Bert bert) {
        this.bert = bert;
        BertConfig c = bert.config();
        TensorLookup w = bert.headTensors();
        int h = c.hiddenSize();
        String denseName = c.head() == BertConfig.Head.BERT ? "bert.pooler.dense" : "classifier.dense";
        String outName = c.head() == BertConfig.Head.BERT ? "classifier" : "classifier.out_proj";
        dense = w.require(denseName + ".weight", h, h);
        denseBias = w.vector(denseName + ".bias", h);
        out = w.require(outName + ".weight", 1, h);
        outBias = w.vector(outName + ".bias", 1);
    }

    public static Reranker load(ModelDir dir) {
        return load(dir, dir.openCheckpoint());
    }

    /** A reranker over weights already mapped: it owns `weights` (a share of them) and closes it when closed. */
    public static Reranker load(ModelDir dir, Checkpoint weights) {
        Bert bert = Bert.load(dir, weights);
        try {
            if (bert.config().head() == BertConfig.Head.NONE) {
                throw new CocktailException(dir.name() + "/config.json: names no BertForSequenceClassification, RobertaForSequenceClassification or "
                        + "XLMRobertaForSequenceClassification architecture, so it is not a reranker.");
            }
            return new Reranker(bert);
        } catch (RuntimeException e) {
            bert.close();
            throw e;
        }
    }

    public BertConfig config() {
        return bert.config();
    }

    /** The raw logit of each sequence of the batch (no sigmoid). */
    public float[] scores(TokenBatch batch) {
        float[] mid = bert.denseTanh(bert.clsStates(batch), batch.batch(), dense, denseBias);
        return bert.linear(mid, batch.batch(), out, outBias);
    }

    @Override
    public void close() {
        bert.close();
    }
}
