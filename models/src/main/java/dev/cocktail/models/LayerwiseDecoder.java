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
 * Scoring's batches are run stacked: consecutive batches, up to GROUP_ROWS rows, go through each
 * product as one, so each weight is widened and packed once per group rather than once per batch.
 * A stacked group pads its sequences to its longest. That changes no bit of a real row: the batched
 * product gives a row the same bits whatever rows are beside it, and with padding on the right a
 * causal row never sees the padding. Only the head's products of batches with fewer than
 * Kernels.BATCHED_ROWS target rows run alone, through matvec, as Scoring runs them. The losses, and
 * the order of every sum in them, are DecoderScoring's, so each is the bits Scoring.score gives on
 * the same weights written to a checkpoint (as long as every one of Scoring's batches has at least
 * Kernels.BATCHED_ROWS padded rows, which two sequences of three tokens have).
 */
public final class LayerwiseDecoder {

    /** Padded rows of a stacked group at most: its activations stay a few tens of megabytes. */
    static final int GROUP_ROWS = 1024;
    /** Target rows whose logits the head computes in one product at most: their logits are HEAD_ROWS x vocab floats. */
    static final int HEAD_ROWS = 256;

    /** A batch of Scoring's: its file, its targets, and where its sequences start in its group. */
    private record Batch(int file, DecoderScoring.Targets targets, int firstSequence) {}

    /**
     * Consecutive batches stacked: their sequences padded together, with the RoPE tables of that
     * length, and the rows of the stacked hidden states that Scoring's batch-wise target rows are.
     */
    private record Group(List<Batch> batches, TokenBatch tokens, Rope global, Rope local) {

        /** Batch b's target rows, as rows of this group's hidden states. */
        int[] rows(Batch b) {
            TokenBatch own = b.targets().tokens();
            int[] rows = b.targets().rows().clone();
            for (int i = 0; i < rows.length; i++) {
                int sequence = rows[i] / own.seqLen(), position = rows[i] % own.seqLen();
                rows[i] = (b.firstSequence() + sequence) * tokens.seqLen() + position;
            }
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
        List<int[]> sequences = new ArrayList<>();
        int longest = 0;
        for (int f = 0; f < files.size(); f++) {
            List<DecoderScoring.Prepared> examples = files.get(f);
            for (int from = 0; from < examples.size(); from += batchSize) {
                List<DecoderScoring.Prepared> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
                int seqLen = batch.stream().mapToInt(p -> p.ids().length).max().orElseThrow();
                int wider = Math.max(longest, seqLen);
                if (!open.isEmpty() && (long) wider * (sequences.size() + batch.size()) > GROUP_ROWS) {
                    groups.add(group(open, sequences));
                    open = new ArrayList<>();
                    sequences = new ArrayList<>();
                    wider = seqLen;
                }
                longest = wider;
                open.add(new Batch(f, DecoderScoring.targets(batch, from), sequences.size()));
                for (DecoderScoring.Prepared p : batch) sequences.add(p.ids());
            }
        }
        if (!open.isEmpty()) groups.add(group(open, sequences));
        maxRows = groups.stream().mapToInt(g -> g.tokens().rows()).max().orElse(0);
    }

    private Group group(List<Batch> batches, List<int[]> sequences) {
        TokenBatch tokens = TokenBatch.of(sequences, 0);
        return new Group(List.copyOf(batches), tokens, Rope.tables(config.rope(), 0, tokens.seqLen()),
                config.localRope() == null ? null : Rope.tables(config.localRope(), 0, tokens.seqLen()));
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
                TokenBatch tokens = groups.get(g).tokens();
                x[g] = new float[tokens.rows() * h];
                pass.embed(embeddings, tokens.ids(), tokens.rows(), x[g]);
            }
        }
        StepBuffers scratch = new StepBuffers(config, maxRows, false);
        for (int i = 0; i < config.layers(); i++) {
            try (WeightStages.Stage s = stages.open()) {
                List<Llama.Layer> layer = List.of(Llama.layer(config, new TensorLookup(s, ""), i));
                for (int g = 0; g < x.length; g++) {
                    Group group = groups.get(g);
                    TokenBatch tokens = group.tokens();
                    pass.layers(layer, i, x[g], scratch, tokens.rows(), group.global(), group.local(), tokens.seqLen(), tokens, null, null, null);
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
                pass.norm(finalNorm, x[g], group.tokens().rows());
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
