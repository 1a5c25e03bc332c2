package dev.cocktail.models;

import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * LM-Cocktail's few-shot loss of a decoder (DecoderScoring) whose weights are not in a checkpoint
 * but arrive one stage at a time: the embeddings, then each layer, then the final norm and the head.
 * Every example's hidden states are kept between stages (few-shot data is small), so a stage's
 * weights are needed once and can be dropped before the next one's exist. The batches, their
 * padding and the order of every sum are Llama's and DecoderScoring's, so the loss is the bits
 * Scoring.score gives on the same weights written to a checkpoint.
 */
public final class LayerwiseDecoder {

    /** A batch of one data file's examples, with its RoPE tables. */
    private record Batch(int file, DecoderScoring.Targets targets, Rope global, Rope local) {}

    private final LlamaConfig config;
    private final Llama pass;
    private final List<Batch> batches = new ArrayList<>();
    private final int files;
    private final int maxRows;

    /**
     * @param files  each data file's examples, prepared once (DecoderScoring.prepare), each file
     *               scored on its own in consecutive batches of batchSize
     * @param where  names the model in messages
     */
    public LayerwiseDecoder(LlamaConfig config, List<List<DecoderScoring.Prepared>> files, int batchSize, Kernels kernels,
                            String where) {
        this.config = config;
        this.pass = new Llama(config, kernels, where);
        this.files = files.size();
        int rows = 0;
        for (int f = 0; f < files.size(); f++) {
            List<DecoderScoring.Prepared> examples = files.get(f);
            for (int from = 0; from < examples.size(); from += batchSize) {
                DecoderScoring.Targets t = DecoderScoring.targets(examples.subList(from, Math.min(examples.size(), from + batchSize)), from);
                int seqLen = t.tokens().seqLen();
                batches.add(new Batch(f, t, Rope.tables(config.rope(), 0, seqLen),
                        config.localRope() == null ? null : Rope.tables(config.localRope(), 0, seqLen)));
                rows = Math.max(rows, t.tokens().rows());
            }
        }
        maxRows = rows;
    }

    public LlamaConfig config() {
        return config;
    }

    /**
     * Each file's loss (the mean of its batch losses, as DecoderScoring.loss), with the weights of
     * each stage from `stages`.
     */
    public double[] losses(WeightStages stages) {
        int h = config.hiddenSize();
        float[][] x = new float[batches.size()][];
        try (WeightStages.Stage s = stages.open()) {
            Tensor embeddings = new TensorLookup(s, "").require("model.embed_tokens.weight", config.vocabSize(), h);
            for (int b = 0; b < x.length; b++) {
                TokenBatch tokens = batches.get(b).targets().tokens();
                x[b] = new float[tokens.rows() * h];
                pass.embed(embeddings, tokens.ids(), tokens.rows(), x[b]);
            }
        }
        StepBuffers scratch = new StepBuffers(config, maxRows, false);
        for (int i = 0; i < config.layers(); i++) {
            try (WeightStages.Stage s = stages.open()) {
                List<Llama.Layer> layer = List.of(Llama.layer(config, new TensorLookup(s, ""), i));
                for (int b = 0; b < x.length; b++) {
                    Batch batch = batches.get(b);
                    TokenBatch tokens = batch.targets().tokens();
                    pass.layers(layer, i, x[b], scratch, tokens.rows(), batch.global(), batch.local(), tokens.seqLen(), tokens, null, null, null);
                }
            }
        }
        double[] losses = new double[batches.size()];
        try (WeightStages.Stage s = stages.open()) {
            TensorLookup w = new TensorLookup(s, "");
            float[] finalNorm = Llama.norm(config, w, "model.norm.weight", h);
            Tensor head = w.require(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight", config.vocabSize(), h);
            for (int b = 0; b < x.length; b++) {
                DecoderScoring.Targets t = batches.get(b).targets();
                pass.norm(finalNorm, x[b], t.tokens().rows());
                losses[b] = t.loss(pass.logits(head, x[b], t.rows()), config.vocabSize());
            }
        }
        double[] sums = new double[files];
        int[] counts = new int[files];
        for (int b = 0; b < losses.length; b++) { // in batch order, as Losses.meanOverBatches
            sums[batches.get(b).file()] += losses[b];
            counts[batches.get(b).file()]++;
        }
        for (int f = 0; f < files; f++) sums[f] /= counts[f];
        return sums;
    }
}
