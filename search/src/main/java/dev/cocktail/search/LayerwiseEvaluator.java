package dev.cocktail.search;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.kernels.Kernels;
import dev.cocktail.merge.MergePlan;
import dev.cocktail.merge.OpenModels;
import dev.cocktail.merge.PlannedTensor;
import dev.cocktail.merge.ScratchMerge;
import dev.cocktail.models.BertConfig;
import dev.cocktail.models.DecoderScoring;
import dev.cocktail.models.EncoderScoring;
import dev.cocktail.models.Examples;
import dev.cocktail.models.LayerwiseDecoder;
import dev.cocktail.models.LayerwiseEncoder;
import dev.cocktail.models.LlamaConfig;
import dev.cocktail.models.Scoring;
import dev.cocktail.models.WeightStages;
import dev.cocktail.tokenizer.Tokenizer;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Scores candidates without writing them: the examples go through the candidate one stage at a
 * time (embeddings, each layer, final norm and head), each stage's merged tensors computed into
 * scratch memory from the memory-mapped inputs (ScratchMerge: the bytes MergePlan.write would
 * write, rounded to the output dtype), applied to every example's hidden states, and dropped. The
 * figure is the loss Scoring.score gives on the written candidate. The examples are read and
 * tokenized once, with the first input's tokenizer (as score tokenizes with the first model's).
 * Not for concurrent use: evaluate one candidate at a time (the merge and the kernels use every
 * thread already).
 */
public final class LayerwiseEvaluator implements CandidateEvaluator {

    /** Time spent so far: merging stages' tensors, and everything (merging plus the forward passes). */
    public record Timing(int candidates, long mergeNanos, long totalNanos) {
        public long forwardNanos() {
            return totalNanos - mergeNanos;
        }
    }

    private final Scoring.Options options;
    private final Scoring.Type type;
    /** Each data file's examples, tokenized once: DecoderScoring.Prepared or EncoderScoring.Prepared lists. */
    private final List<List<DecoderScoring.Prepared>> decoderData;
    private final List<List<EncoderScoring.Prepared>> encoderData;
    /** The forward pass of each config a candidate takes, made once. */
    private final Map<String, Function<WeightStages, double[]>> passes = new HashMap<>();
    private final ScratchMerge merge = new ScratchMerge();
    /**
     * The memory merged tensors go into, reused stage after stage and candidate after candidate: a
     * stage's k-th merged tensor goes into block k, grown when too small. Layers have the same shapes,
     * so after the first candidate no stage allocates (fresh memory is zeroed and faulted in page by
     * page). What is held is, per k, the largest k-th tensor of any stage.
     */
    private final List<MemorySegment> blocks = new ArrayList<>();
    private int candidates;
    private long mergeNanos, totalNanos;

    /**
     * @param inputs  the search's open inputs; the first one's tokenizer tokenizes the examples
     * @param data    the data files, each scored on its own
     * @param options as for Scoring.score (type, batch size, maximum length)
     */
    public LayerwiseEvaluator(OpenModels inputs, List<Path> data, Scoring.Options options) {
        if (data.isEmpty()) throw CocktailException.about("data file", "a search needs at least one data file.");
        this.options = options;
        ModelDir first = inputs.dir(0);
        type = options.type() != null ? options.type() : Scoring.typeOf(first);
        if (type != Scoring.Type.DECODER && type != Scoring.Type.ENCODER) {
            throw new CocktailException("layer-by-layer scoring covers decoders and encoders; " + first.name() + " is scored as a "
                    + type.name().toLowerCase(Locale.ROOT).replace('_', '-') + ".");
        }
        if (!first.hasTokenizer()) throw new CocktailException(first.name() + ": has no tokenizer.json, and the examples are tokenized with the first model's.");
        Tokenizer tokenizer = Tokenizer.load(first.path());
        if (type == Scoring.Type.DECODER) {
            decoderData = data.stream().map(f -> DecoderScoring.prepare(Examples.decoder(f), tokenizer, options.maxLength())).toList();
            encoderData = null;
        } else {
            // as Scoring.score: texts never longer than the first model's positions
            int maxTokens = Math.min(options.maxLength(), BertConfig.parse(first.config(), first.name() + "/config.json").maxTokens());
            encoderData = data.stream().map(f -> EncoderScoring.prepare(f.toString(), Examples.encoder(f), tokenizer, options.batchSize(),
                    options.negNumber(), options.seed(), maxTokens)).toList();
            decoderData = null;
        }
    }

    @Override
    public double[] evaluate(MergePlan candidate) {
        long start = System.nanoTime();
        Map<String, PlannedTensor> tensors = new HashMap<>();
        for (PlannedTensor p : candidate.tensors()) tensors.put(p.name(), p);
        long seed = candidate.seed() == null ? 0 : candidate.seed();
        String where = "the candidate (" + candidate.method() + ")";
        double[] losses = pass(candidate).apply(() -> new Stage(tensors, seed, where));
        candidates++;
        totalNanos += System.nanoTime() - start;
        return losses;
    }

    public Timing timing() {
        return new Timing(candidates, mergeNanos, totalNanos);
    }

    /** The forward pass of the candidate's config (its config.json, with the plan's layer count). */
    private Function<WeightStages, double[]> pass(MergePlan candidate) {
        ModelDir from = candidate.configFrom();
        return passes.computeIfAbsent(from.path().toAbsolutePath() + "#" + candidate.layers(), key -> {
            ObjectNode config = from.config();
            if (candidate.layers() > 0) config.put("num_hidden_layers", candidate.layers());
            String where = from.name() + "/config.json";
            return type == Scoring.Type.DECODER
                    ? new LayerwiseDecoder(LlamaConfig.parse(config, where), decoderData, options.batchSize(), Kernels.cpu(), from.name())::losses
                    : new LayerwiseEncoder(BertConfig.parse(config, where), encoderData, Kernels.cpu(), from.name())::losses;
        });
    }

    /** One stage's tensors, each merged when the forward pass first asks for it into the next block. */
    private final class Stage implements WeightStages.Stage {
        private final Map<String, PlannedTensor> plan;
        private final long seed;
        private final String where;
        private final Map<String, Tensor> merged = new HashMap<>();

        Stage(Map<String, PlannedTensor> plan, long seed, String where) {
            this.plan = plan;
            this.seed = seed;
            this.where = where;
        }

        @Override
        public Tensor tensor(String name) {
            PlannedTensor p = plan.get(name);
            if (p == null) return null;
            return merged.computeIfAbsent(name, n -> {
                long t = System.nanoTime();
                Tensor out = merge.compute(p, seed, this::block);
                mergeNanos += System.nanoTime() - t;
                return out;
            });
        }

        @Override
        public String where() {
            return where;
        }

        /** The next block, of at least `bytes` bytes. */
        private MemorySegment block(long bytes) {
            int k = merged.size();
            if (k == blocks.size()) blocks.add(null);
            if (blocks.get(k) == null || blocks.get(k).byteSize() < bytes) {
                blocks.set(k, null); // the old block goes before the new one is made
                blocks.set(k, Arena.ofAuto().allocate(Math.max(1, bytes), 64));
            }
            return blocks.get(k);
        }

        /** Nothing to free: the blocks are the next stage's, and the forward pass keeps no tensor past its stage. */
        @Override
        public void close() {}
    }

    @Override
    public void close() {
        merge.close();
    }
}
