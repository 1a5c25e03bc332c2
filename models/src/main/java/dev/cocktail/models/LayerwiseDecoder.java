package dev.cocktail.models;

import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * LM-Cocktail's few-shot loss of a decoder (DecoderScoring) whose weights are not in a checkpoint
 * but arrive one stage at a time: the embeddings, then each layer, then the final norm and the head.
 * Every example's hidden states are kept between stages (few-shot data is small), so a stage's
 * weights are needed once and can be dropped before the next one's exist.
 *
 * Scoring's batches run stacked and packed: consecutive batches, up to GROUP_ROWS tokens, go through
 * each product as one, with a row for each real token and none for padding, so each weight is
 * widened and packed once per group rather than once per batch, and no product works on padding.
 * That changes no bit of a real row: the batched product gives a row the same bits whatever rows
 * are beside it; attention gives a query the same sums over the same keys, packed or padded; and
 * each row's RoPE angles are those of its position in its own batch's tables. Only the head's
 * products of batches with fewer than Kernels.BATCHED_ROWS target rows run alone, through matvec, as
 * Scoring runs them. The losses, and the order of every sum in them, are DecoderScoring's, so each is
 * the bits Scoring.score gives on the same weights written to a checkpoint (as long as every one of
 * Scoring's batches has at least Kernels.BATCHED_ROWS padded rows, which two sequences of three
 * tokens have).
 */
public final class LayerwiseDecoder {

    /** Tokens of a stacked group at most: its activations stay a few tens of megabytes. */
    static final int GROUP_ROWS = 1024;
    /** Target rows whose logits the head computes in one product at most: their logits are HEAD_ROWS x vocab floats. */
    static final int HEAD_ROWS = 256;

    /** A batch of Scoring's: its file, its targets, and where its sequences start in its group. */
    private record Batch(int file, DecoderScoring.Targets targets, int firstSequence) {}

    /**
     * Consecutive batches stacked: their sequences (tokens.lengths(); tokens.ids() is unused) as
     * packed rows `ids`, each row's RoPE tables, and where each sequence's rows start.
     */
    private record Group(List<Batch> batches, TokenBatch tokens, int[] ids, int[] starts, Rope global, Rope local) {

        /** Batch b's target rows, as rows of this group's hidden states. */
        int[] rows(Batch b) {
            int seqLen = b.targets().tokens().seqLen();
            int[] rows = b.targets().rows().clone();
            for (int i = 0; i < rows.length; i++) rows[i] = starts[b.firstSequence() + rows[i] / seqLen] + rows[i] % seqLen;
            return rows;
        }
    }

    private final LlamaConfig config;
    private final Llama pass;
    private final List<Group> groups = new ArrayList<>();
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
        List<Batch> open = new ArrayList<>();
        int tokens = 0;
        for (int f = 0; f < files.size(); f++) {
            List<DecoderScoring.Prepared> examples = files.get(f);
            for (int from = 0; from < examples.size(); from += batchSize) {
                List<DecoderScoring.Prepared> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
                int length = batch.stream().mapToInt(p -> p.ids().length).sum();
                if (!open.isEmpty() && tokens + length > GROUP_ROWS) {
                    groups.add(group(open));
                    open = new ArrayList<>();
                    tokens = 0;
                }
                int sequences = open.stream().mapToInt(b -> b.targets().tokens().batch()).sum();
                open.add(new Batch(f, DecoderScoring.targets(batch, from), sequences));
                tokens += length;
            }
        }
        if (!open.isEmpty()) groups.add(group(open));
        maxRows = groups.stream().mapToInt(g -> g.ids().length).max().orElse(0);
    }

    private Group group(List<Batch> batches) {
        List<int[]> sequences = new ArrayList<>();
        for (Batch b : batches) {
            TokenBatch t = b.targets().tokens();
            for (int s = 0; s < t.batch(); s++) sequences.add(Arrays.copyOfRange(t.ids(), s * t.seqLen(), s * t.seqLen() + t.lengths()[s]));
        }
        int[] starts = new int[sequences.size()];
        for (int s = 1; s < starts.length; s++) starts[s] = starts[s - 1] + sequences.get(s - 1).length;
        int[] ids = sequences.stream().flatMapToInt(Arrays::stream).toArray();
        return new Group(List.copyOf(batches), TokenBatch.of(sequences, 0), ids, starts, rowTables(config.rope(), batches, ids.length),
                config.localRope() == null ? null : rowTables(config.localRope(), batches, ids.length));
    }

    /** RoPE tables whose row r is that of r's position in the tables Scoring builds for r's batch. */
    private static Rope rowTables(LlamaConfig.Rotary rotary, List<Batch> batches, int rows) {
        int half = rotary.dims() / 2, r = 0;
        float[] cos = new float[rows * half], sin = new float[rows * half];
        for (Batch b : batches) {
            TokenBatch t = b.targets().tokens();
            Rope own = Rope.tables(rotary, 0, t.seqLen());
            for (int s = 0; s < t.batch(); s++) {
                System.arraycopy(own.cos(), 0, cos, r * half, t.lengths()[s] * half);
                System.arraycopy(own.sin(), 0, sin, r * half, t.lengths()[s] * half);
                r += t.lengths()[s];
            }
        }
        return new Rope(cos, sin, rotary.dims());
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
        float[][] x = new float[groups.size()][];
        try (WeightStages.Stage s = stages.open()) {
            Tensor embeddings = new TensorLookup(s, "").require("model.embed_tokens.weight", config.vocabSize(), h);
            for (int g = 0; g < x.length; g++) {
                int[] ids = groups.get(g).ids();
                x[g] = new float[ids.length * h];
                pass.embed(embeddings, ids, ids.length, x[g]);
            }
        }
        StepBuffers scratch = new StepBuffers(config, maxRows, false);
        for (int i = 0; i < config.layers(); i++) {
            try (WeightStages.Stage s = stages.open()) {
                List<Llama.Layer> layer = List.of(Llama.layer(config, new TensorLookup(s, ""), i));
                for (int g = 0; g < x.length; g++) {
                    Group group = groups.get(g);
                    int rows = group.ids().length;
                    pass.layers(layer, i, x[g], scratch, rows, group.global(), group.local(), rows, group.tokens(), null, null, null);
                }
            }
        }
        double[] sums = new double[files];
        int[] counts = new int[files];
        try (WeightStages.Stage s = stages.open()) {
            TensorLookup w = new TensorLookup(s, "");
            float[] finalNorm = Llama.norm(config, w, "model.norm.weight", h);
            Tensor head = w.require(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight", config.vocabSize(), h);
            for (int g = 0; g < x.length; g++) {
                Group group = groups.get(g);
                pass.norm(finalNorm, x[g], group.ids().length);
                List<float[]> logits = logits(head, x[g], group);
                for (int b = 0; b < logits.size(); b++) { // in batch order, as Losses.meanOverBatches
                    Batch batch = group.batches().get(b);
                    sums[batch.file()] += batch.targets().loss(logits.get(b), config.vocabSize());
                    counts[batch.file()]++;
                }
            }
        }
        for (int f = 0; f < files; f++) sums[f] /= counts[f];
        return sums;
    }

    /**
     * The logits of each batch's target rows. Runs of neighbouring batches that each have at least
     * Kernels.BATCHED_ROWS target rows, HEAD_ROWS in all at most, go through the head as one product.
     */
    private List<float[]> logits(Tensor head, float[] x, Group group) {
        List<Batch> all = group.batches();
        List<float[]> out = new ArrayList<>();
        for (int b = 0; b < all.size(); ) {
            int end = b, rows = 0;
            while (end < all.size() && batched(all.get(end)) && (end == b || rows + targets(all.get(end)) <= HEAD_ROWS)) {
                rows += targets(all.get(end++));
            }
            if (end == b) {
                out.add(pass.logits(head, x, group.rows(all.get(b++))));
                continue;
            }
            float[] run = pass.logits(head, x, IntStream.range(b, end).mapToObj(i -> group.rows(all.get(i))).flatMapToInt(Arrays::stream).toArray());
            for (int at = 0; b < end; b++) {
                int n = targets(all.get(b)) * config.vocabSize();
                out.add(Arrays.copyOfRange(run, at, at + n));
                at += n;
            }
        }
        return out;
    }

    private static int targets(Batch b) {
        return b.targets().rows().length;
    }

    private static boolean batched(Batch b) {
        return targets(b) >= Kernels.BATCHED_ROWS;
    }
}
