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
import dev.cocktail.models.DecoderScoring;
import dev.cocktail.models.Examples;
import dev.cocktail.models.LayerwiseDecoder;
import dev.cocktail.models.LlamaConfig;
import dev.cocktail.models.Scoring;
import dev.cocktail.tokenizer.Tokenizer;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    private final List<List<DecoderScoring.Prepared>> decoderData;
    private final Map<String, LayerwiseDecoder> decoders = new HashMap<>();
    private final ScratchMerge merge = new ScratchMerge();
    private int candidates;
    private long mergeNanos, totalNanos;

    /**
     * @param inputs  the search's open inputs; the first one's tokenizer tokenizes the examples
     * @param data    the data files, each scored on its own
     * @param options as for Scoring.score (type, batch size, maximum length)
     */
    public LayerwiseEvaluator(OpenModels inputs, List<Path> data, Scoring.Options options) {
        if (data.isEmpty()) throw new CocktailException("a search needs at least one --data file.");
        this.options = options;
        ModelDir first = inputs.dir(0);
        Scoring.Type type = options.type() != null ? options.type() : Scoring.typeOf(first);
        if (type != Scoring.Type.DECODER) {
            throw new CocktailException("layer-by-layer scoring covers decoders; " + first.name() + " is scored as "
                    + type.name().toLowerCase(java.util.Locale.ROOT) + ".");
        }
        if (!first.hasTokenizer()) throw new CocktailException(first.name() + ": has no tokenizer.json, and the examples are tokenized with the first model's.");
        Tokenizer tokenizer = Tokenizer.load(first.path());
        decoderData = data.stream().map(f -> DecoderScoring.prepare(Examples.decoder(f), tokenizer, options.maxLength())).toList();
    }

    @Override
    public double[] evaluate(MergePlan candidate) {
        long start = System.nanoTime();
        Map<String, PlannedTensor> tensors = new HashMap<>();
        for (PlannedTensor p : candidate.tensors()) tensors.put(p.name(), p);
        long seed = candidate.seed() == null ? 0 : candidate.seed();
        String where = "the candidate (" + candidate.method() + ")";
        double[] losses = decoder(candidate).losses(() -> new Stage(tensors, seed, where));
        candidates++;
        totalNanos += System.nanoTime() - start;
        return losses;
    }

    public Timing timing() {
        return new Timing(candidates, mergeNanos, totalNanos);
    }

    /** The forward pass of the candidate's config (its config.json, with the plan's layer count), made once per config. */
    private LayerwiseDecoder decoder(MergePlan candidate) {
        ModelDir from = candidate.configFrom();
        String key = from.path().toAbsolutePath() + "#" + candidate.layers();
        LayerwiseDecoder d = decoders.get(key);
        if (d == null) {
            ObjectNode config = from.config();
            if (candidate.layers() > 0) config.put("num_hidden_layers", candidate.layers());
            LlamaConfig c = LlamaConfig.parse(config, from.name() + "/config.json");
            d = new LayerwiseDecoder(c, decoderData, options.batchSize(), Kernels.cpu(), from.name());
            decoders.put(key, d);
        }
        return d;
    }

    /** One stage's tensors, each merged when the forward pass first asks for it, freed together. */
    private final class Stage implements LayerwiseDecoder.Stage {
        private final Map<String, PlannedTensor> plan;
        private final long seed;
        private final String where;
        private final Arena arena = Arena.ofShared();
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
                Tensor out = merge.compute(p, seed, arena);
                mergeNanos += System.nanoTime() - t;
                return out;
            });
        }

        @Override
        public String where() {
            return where;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    @Override
    public void close() {
        merge.close();
    }
}
