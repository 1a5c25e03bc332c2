package dev.cocktail.models;

import dev.cocktail.engine.kernels.AttentionShape;
import dev.cocktail.engine.kernels.AttentionShape.Rows;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * LM-Cocktail's few-shot loss of an embedding model (EncoderScoring) whose weights arrive one stage
 * at a time (WeightStages): the embeddings, then each layer; after the last, every text's CLS
 * embedding. Every text's hidden states are kept between stages. The runs (a batch's queries, its
 * passages), their padding and the order of every sum are Bert's and EncoderScoring's, so the loss
 * is the bits Scoring.score gives on the same weights written to a checkpoint.
 */
public final class LayerwiseEncoder {

    /** The texts of one forward pass of Bert (a batch's queries, or its passages), packed as CLS pooling runs them. */
    private record Run(TokenBatch tokens, AttentionShape shape) {}

    /** A batch of one data file: its queries' run, its passages' run, and how many examples came before it in the file. */
    private record Batch(int file, Run queries, Run passages, int firstExample) {}

    private final BertConfig config;
    private final Bert pass;
    private final List<Batch> batches = new ArrayList<>();
    private final List<Run> runs = new ArrayList<>();
    private final int files;
    private final int maxRows;

    /**
     * @param files each data file's batches, prepared once (EncoderScoring.prepare)
     * @param where names the model in messages
     */
    public LayerwiseEncoder(BertConfig config, List<List<EncoderScoring.Prepared>> files, Kernels kernels, String where) {
        this.config = config;
        this.pass = new Bert(config, kernels, where);
        this.files = files.size();
        for (int f = 0; f < files.size(); f++) {
            int done = 0;
            for (EncoderScoring.Prepared b : files.get(f)) {
                batches.add(new Batch(f, run(b.queries()), run(b.passages()), done));
                done += b.queries().size();
            }
        }
        for (Batch b : batches) {
            runs.add(b.queries());
            runs.add(b.passages());
        }
        int rows = 0;
        for (Run r : runs) rows = Math.max(rows, r.tokens().rows());
        maxRows = rows;
    }

    private Run run(List<int[]> texts) {
        TokenBatch tokens = TokenBatch.of(texts, config.padTokenId());
        return new Run(tokens, pass.shape(tokens, Rows.PACKED));
    }

    /** Each file's loss (the mean of its batch losses, as EncoderScoring.loss), with each stage's weights from `stages`. */
    public double[] losses(WeightStages stages) {
        int h = config.hiddenSize();
        float[][] x = new float[runs.size()][];
        String prefix;
        try (WeightStages.Stage s = stages.open()) {
            TensorLookup w = Bert.encoderTensors(s);
            prefix = w.prefix();
            Bert.Embedding e = Bert.embedding(config, w);
            for (int r = 0; r < x.length; r++) x[r] = pass.embed(e, runs.get(r).tokens(), runs.get(r).shape());
        }
        Bert.Scratch scratch = new Bert.Scratch(maxRows, h, config.intermediateSize());
        float[][] cls = new float[runs.size()][];
        for (int i = 0; i < config.layers(); i++) {
            try (WeightStages.Stage s = stages.open()) {
                Bert.Layer l = Bert.layer(config, new TensorLookup(s, prefix), i);
                for (int r = 0; r < x.length; r++) {
                    Run run = runs.get(r);
                    if (i + 1 < config.layers()) {
                        pass.layer(l, x[r], x[r], x[r].length / h, run.shape(), scratch);
                    } else {
                        cls[r] = Pooling.unitRows(pass.last(l, x[r], run.tokens(), Rows.FIRST, scratch), h);
                    }
                }
            }
        }
        double[] sums = new double[files];
        int[] counts = new int[files];
        for (int b = 0; b < batches.size(); b++) { // in batch order, as EncoderScoring.loss
            Batch batch = batches.get(b);
            sums[batch.file()] += EncoderScoring.batchLoss(cls[2 * b], cls[2 * b + 1], h, batch.firstExample());
            counts[batch.file()]++;
        }
        for (int f = 0; f < files; f++) sums[f] /= counts[f];
        return sums;
    }
}
