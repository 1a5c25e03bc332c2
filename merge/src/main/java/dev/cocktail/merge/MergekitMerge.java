package dev.cocktail.merge;

import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a mergekit recipe. As mergekit plans it: the tensors before the layers (embeddings) come
 * from the first slice's sources at depth t = 0; each slice's layers follow, renumbered from 0,
 * layer i of n at t = i / (n - 1); the tensors after the layers (final norm, head) come from the
 * last slice's sources at t = 1. Parameters are looked up per source, then per slice, then
 * globally, then the method's default; gradients are evaluated at the tensor's t and filters
 * against its name. Every input is checked before anything is written.
 */
public final class MergekitMerge {
    private MergekitMerge() {}

    public static final long DEFAULT_SEED = 42;

    /** mergekit's is_embed weights: the token embeddings and the LM head of the architectures it knows. */
    private static final List<String> VOCABULARY_MATRICES = List.of("embed_tokens.weight", "word_embeddings.weight", "wte.weight",
            "lm_head.weight", "embed_out.weight", "shared.weight");

    /**
     * @param shardParameters when above 0, the largest weights file in parameters rather than bytes
     *                        (mergekit's --out-shard-size: the output's shard size is this times its dtype's size)
     */
    public record Request(Path config, Output output, long seed, long shardParameters) {
        public Request(Path config, Output output, long seed) {
            this(config, output, seed, 0);
        }
    }

    public static void merge(Request r, Progress progress, String version) {
        MergekitConfig cfg = MergekitConfig.read(r.config());
        Path dir = r.config().toAbsolutePath().getParent();
        String where = r.config().toString();
        try (OpenModels models = open(cfg, dir, where)) {
            List<String> names = names(cfg, slices(cfg));
            int configModel = cfg.baseModel() != null ? names.indexOf(cfg.baseModel()) : 0;
            ModelDir tokenizer = tokenizer(cfg, models, names, dir);
            String src = cfg.tokenizerSource();
            Vocabulary vocab = cfg.tokenizer() == null ? null : Vocabulary.build(cfg.tokenizer(), names,
                    java.util.stream.IntStream.range(0, names.size()).mapToObj(models::dir).toList(), configModel,
                    src.equals("base") || src.equals("union") ? null : tokenizer, where);
            try (RemappedEmbeddings remap = vocab == null ? null
                    : new RemappedEmbeddings(vocab, r.output().dir().toAbsolutePath().getParent())) {
                ModelDir tokenizerFrom = vocab == null || vocab.added().isEmpty() ? tokenizer : vocab.writeTokenizer(remap.scratch().resolve("tokenizer"));
                Map<String, ModelDir> byName = new LinkedHashMap<>();
                for (int i = 0; i < names.size(); i++) byName.put(names.get(i), models.dir(i));
                String chatTemplate = cfg.chatTemplate() == null ? null : ChatTemplate.resolve(cfg.chatTemplate(), byName, where);
                MergePlan p = plan(cfg, models, where, r.seed(), remap, tokenizerFrom, vocab == null ? 0 : vocab.rows(), chatTemplate)
                        .withRecipe(new Recipe(List.of("mergekit"), "mergekit_config.yml", cfg.text()));
                p.write(output(r, p.dtype()), progress, version);
            }
        }
    }

    /**
     * Opens a recipe's models, in order of appearance (a models: recipe's base too, as mergekit adds it).
     * @param dir the recipe's directory, where models named relative to it are found
     * @param where the recipe's name for messages
     */
    public static OpenModels open(MergekitConfig cfg, Path dir, String where) {
        Method method = cfg.method();
        if (method.base == Method.Base.NEEDS && cfg.slices().stream().anyMatch(s -> cfg.baseOf(s) == null)) {
            throw new CocktailException(where + ": merge_method " + method.mergekitName() + " needs a base_model.");
        }
        return OpenModels.open(names(cfg, slices(cfg)).stream().map(n -> ModelDir.resolve(locate(n, dir))).toList());
    }

    /**
     * The plan of a recipe whose models are open (a search's candidate): `models` as open() gave them
     * for this recipe or for one with the same models and other parameter values. A recipe that
     * rebuilds the vocabulary is merged by merge() alone, which has an output beside which to work.
     */
    public static MergePlan plan(MergekitConfig cfg, OpenModels models, Path dir, String where, long seed) {
        if (cfg.tokenizer() != null && !"base".equals(cfg.tokenizerSource())) {
            throw new CocktailException(where + ": a recipe with a tokenizer setting other than the base's cannot be searched; merge it with cocktail merge.");
        }
        return plan(cfg, models, where, seed, null, tokenizer(cfg, models, names(cfg, slices(cfg)), dir), 0, null);
    }

    /** @param vocabSize the output's vocab_size, or 0 to keep the config's; chatTemplate the output's, or null */
    private static MergePlan plan(MergekitConfig cfg, OpenModels models, String where, long seed, RemappedEmbeddings remap,
                                  ModelDir tokenizer, int vocabSize, String chatTemplate) {
        Method method = cfg.method();
        List<MergekitConfig.Slice> slices = slices(cfg);
        List<String> names = names(cfg, slices);
        int configModel = cfg.baseModel() != null ? names.indexOf(cfg.baseModel()) : 0;
        Architecture.TensorNames tensorNames = models.dir(configModel).architecture().tensors();
        List<PlannedTensor> plan;
        int layers;
        if (cfg.modules().isEmpty()) {
            Planner p = new Planner(cfg, slices, names, models, tensorNames, where, remap, name -> true);
            plan = p.plan();
            layers = p.layers;
        } else {
            plan = modulePlan(cfg, names, models, models.checkpoint(configModel), tensorNames, where, remap);
            layers = 0;
        }
        DType dtype = cfg.outDtype() != null ? cfg.outDtype() : cfg.dtype() != null ? cfg.dtype() : models.mainDtype(configModel);
        int configLayers = models.dir(configModel).hasConfig()
                ? models.dir(configModel).config().path("num_hidden_layers").asInt(0) : 0;
        List<String> roles = names.stream().map(n -> n.equals(cfg.baseModel()) ? "base model" : "model").toList();
        List<String> settings = List.of("method: mergekit " + method.mergekitName() + " (computed in F32)",
                "dtype: " + dtype.torchName(), "recipe:\n\n```yaml\n" + cfg.text().strip() + "\n```\n");
        return new MergePlan(models, plan, models.dir(configModel), tokenizer, dtype, layers != configLayers ? layers : 0,
                "mergekit " + method.mergekitName(), roles, settings, seed, null, vocabSize, chatTemplate);
    }

    /**
     * A multi-module recipe's plan: each module merged as a recipe of its own over the weights it
     * owns (ModuleLayout), its layers renumbered within the module, as mergekit plans each module.
     * A module must keep its layer count: config.json's per-module counts are not rewritten.
     */
    private static List<PlannedTensor> modulePlan(MergekitConfig cfg, List<String> names, OpenModels models, dev.cocktail.engine.Checkpoint reference,
                                                  Architecture.TensorNames tensorNames, String where, RemappedEmbeddings remap) {
        ModuleLayout layout = ModuleLayout.of(reference, cfg.modules().keySet(), where);
        List<PlannedTensor> plan = new ArrayList<>();
        cfg.modules().forEach((module, part) -> {
            Planner p = new Planner(part, slices(part), names, models, tensorNames, where, remap, n -> module.equals(layout.ownerOf(n)));
            plan.addAll(p.plan());
            int before = p.layerCount(reference);
            if (p.layers != before) {
                throw new CocktailException(where + ": module " + module + " would have " + p.layers + " layers where " + reference.where()
                        + " has " + before + "; Cocktail keeps each module's layer count in a multi-module model.");
            }
        });
        return plan;
    }

    /** The model whose tokenizer files the output gets: the base's (also for a union, which is built on it) or the named one's. */
    private static ModelDir tokenizer(MergekitConfig cfg, OpenModels models, List<String> names, Path dir) {
        int configModel = cfg.baseModel() != null ? names.indexOf(cfg.baseModel()) : 0;
        String src = cfg.tokenizerSource();
        return src == null || src.equals("base") || src.equals("union") ? models.dir(configModel)
                : names.contains(src) ? models.dir(names.indexOf(src))
                : ModelDir.resolve(locate(src, dir));
    }

    /** The recipe's slices; a models: recipe also merges its base when the method uses or joins it (mergekit adds it). */
    private static List<MergekitConfig.Slice> slices(MergekitConfig cfg) {
        List<MergekitConfig.Slice> slices = new ArrayList<>(cfg.slices());
        if (cfg.fromModels() && (cfg.usesBase() || cfg.baseModel() != null && cfg.method().base == Method.Base.JOINS)
                && slices.getFirst().sources().stream().noneMatch(s -> s.model().equals(cfg.baseModel()))) {
            List<MergekitConfig.Source> with = new ArrayList<>(slices.getFirst().sources());
            with.add(new MergekitConfig.Source(cfg.baseModel(), null, Map.of()));
            slices.set(0, new MergekitConfig.Slice(with, slices.getFirst().parameters()));
        }
        return slices;
    }

    /** Unique model names in order of appearance, then the base if no slice names it. */
    private static List<String> names(MergekitConfig cfg, List<MergekitConfig.Slice> slices) {
        List<String> names = new ArrayList<>();
        for (var s : slices) for (var src : s.sources()) if (!names.contains(src.model())) names.add(src.model());
        if (cfg.baseModel() != null && !names.contains(cfg.baseModel())) names.add(cfg.baseModel());
        return names;
    }

    /** A model named relative to the working directory, else relative to the recipe's directory. */
    private static Output output(Request r, DType dtype) {
        if (r.shardParameters() <= 0) return r.output();
        Output o = r.output();
        return new Output(o.dir(), o.force(), Math.multiplyExact(r.shardParameters(), dtype.byteSize()), o.hashInputs());
    }

    /** A model named relative to the working directory, else relative to the recipe's directory. */
    static String locate(String name, Path configDir) {
        int plus = name.indexOf('+');
        if (plus > 0 && !Files.exists(Path.of(name))) { // MODEL+LORA: each part located on its own
            return locate(name.substring(0, plus), configDir) + "+" + locate(name.substring(plus + 1), configDir);
        }
        Path p = Path.of(name);
        if (!p.isAbsolute() && !Files.exists(p) && configDir != null && Files.isDirectory(configDir.resolve(name))) {
            return configDir.resolve(name).toString();
        }
        return name;
    }

    private static final class Planner {
        final MergekitConfig cfg;
        final List<MergekitConfig.Slice> slices;
        final List<String> names;
        final OpenModels models;
        final Architecture.TensorNames tensorNames;
        final String where;
        final List<String> problems = new ArrayList<>();
        final List<PlannedTensor> out = new ArrayList<>();
        final RemappedEmbeddings remap;
        /** The weights this plan covers: a module's, or all. */
        final java.util.function.Predicate<String> owned;
        int layers;

        Planner(MergekitConfig cfg, List<MergekitConfig.Slice> slices, List<String> names, OpenModels models,
                Architecture.TensorNames tensorNames, String where, RemappedEmbeddings remap, java.util.function.Predicate<String> owned) {
            this.cfg = cfg;
            this.owned = owned;
            this.remap = remap;
            this.slices = slices;
            this.names = names;
            this.models = models;
            this.tensorNames = tensorNames;
            this.where = where;
        }

        List<PlannedTensor> plan() {
            for (var s : slices) checkInputs(s);
            MergekitConfig.Slice first = slices.getFirst(), last = slices.getLast();
            for (Tensor t : reference(first).tensors()) {
                if (owned.test(t.name()) && tensorNames.layerOf(t.name()) == null && tensorNames.isEmbedding(t.name())) tensor(t.name(), t.name(), first, 0, 0);
            }
            for (var s : slices) {
                int n = length(s);
                int refStart = start(referenceSource(s));
                for (int o = 0; o < n; o++) {
                    double t = n > 1 ? (double) o / (n - 1) : 1;
                    for (Tensor x : reference(s).tensors()) {
                        Architecture.LayerTensor l = tensorNames.layerOf(x.name());
                        if (l == null || l.index() != refStart + o || !owned.test(x.name())) continue;
                        tensor(l.inLayer(layers), x.name(), s, o, t);
                    }
                    layers++;
                }
            }
            for (Tensor t : reference(last).tensors()) {
                // at t = 0, as mergekit's planner does (its final tensors reuse the first reader since its #534)
                if (owned.test(t.name()) && tensorNames.layerOf(t.name()) == null && !tensorNames.isEmbedding(t.name())) tensor(t.name(), t.name(), last, 0, 0);
            }
            if (!problems.isEmpty()) {
                List<String> shown = problems.stream().limit(8).toList();
                throw new CocktailException(where + ": the models do not match: " + String.join("; ", shown)
                        + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : "") + ".");
            }
            return out;
        }

        /** The method's constraints on a slice's inputs. */
        private void checkInputs(MergekitConfig.Slice s) {
            String base = cfg.baseOf(s);
            boolean hasBase = base != null && s.sources().stream().anyMatch(x -> x.model().equals(base));
            cfg.method().checkInputs(s.sources().size(), base, hasBase, where);
        }

        /** Output tensor `outName` from tensor `name` of layer offset `o` in each of the slice's sources. */
        private void tensor(String outName, String refName, MergekitConfig.Slice s, int o, double t) {
            MergekitConfig.Source refSrc = referenceSource(s);
            Tensor ref = reference(s).require(refName);
            List<MergekitConfig.Source> order = inputOrder(s);
            List<Tensor> inputs = new ArrayList<>();
            List<String> inputNames = new ArrayList<>();
            boolean vocabRows = remap != null && isVocabularyMatrix(refName, ref);
            for (MergekitConfig.Source src : order) {
                Architecture.LayerTensor l = tensorNames.layerOf(refName);
                String name = l == null ? refName : l.inLayer(start(src) + o);
                inputNames.add(name);
                Tensor x = models.checkpoint(names.indexOf(src.model())).tensor(name);
                if (x == null) {
                    problems.add(src.model() + " lacks tensor '" + name + "'");
                } else if (vocabRows ? x.rank() != 2 || x.shape()[1] != ref.shape()[1] : !java.util.Arrays.equals(x.shape(), ref.shape())) {
                    problems.add(src.model() + " '" + name + "' is " + x.shapeString() + " (not " + ref.shapeString() + ")"
                            + vocab(src.model(), refSrc.model(), name));
                } else if (x.dtype().isFloat() != ref.dtype().isFloat()) {
                    problems.add(src.model() + " '" + name + "' is " + x.dtype() + " (not " + ref.dtype() + ")");
                }
                inputs.add(x);
            }
            if (inputs.contains(null) || !problems.isEmpty()) return;
            if (!ref.dtype().isFloat()) {
                out.add(new PlannedTensor(outName, ref.dtype(), ref.shape(), List.of(ref), TensorMerge.COPY));
                return;
            }
            DType dtype = cfg.outDtype() != null ? cfg.outDtype() : cfg.dtype() != null ? cfg.dtype() : ref.dtype();
            long[] shape = ref.shape();
            if (vocabRows) {
                List<Integer> indices = order.stream().map(x -> names.indexOf(x.model())).toList();
                String base = cfg.baseOf(s);
                int basePos = base == null ? -1 : order.stream().map(MergekitConfig.Source::model).toList().indexOf(base);
                inputs = remap.remap(refName, inputs, indices, basePos, names, where);
                shape = new long[] {inputs.getFirst().shape()[0], ref.shape()[1]};
            }
            boolean withBase = cfg.usesBase(s) && order.getFirst().model().equals(cfg.baseOf(s));
            Map<String, Object> g = new HashMap<>();
            for (Method.Param p : cfg.method().globals) g.put(p.name(), value(p, null, s, outName, t));
            List<Map<String, Object>> per = new ArrayList<>();
            // a model's parameters are looked up by its input tensor's name, as mergekit does (renumbered slices differ)
            for (int i = withBase ? 1 : 0; i < order.size(); i++) {
                Map<String, Object> v = new LinkedHashMap<>();
                for (Method.Param p : cfg.method().perModel) v.put(p.name(), value(p, order.get(i), s, inputNames.get(i), t));
                per.add(v);
            }
            out.add(new PlannedTensor(outName, dtype, shape, inputs, cfg.method().build(g, per, withBase)));
        }

        /** A matrix with a row per token (embeddings, the LM head), which a tokenizer setting remaps. */
        private boolean isVocabularyMatrix(String name, Tensor t) {
            return t.rank() == 2 && tensorNames.layerOf(name) == null && VOCABULARY_MATRICES.stream().anyMatch(name::endsWith);
        }

        /** Source, slice, global, default; an error for a required parameter given nowhere. */
        private Object value(Method.Param p, MergekitConfig.Source src, MergekitConfig.Slice s, String tensor, double t) {
            List<Map<String, ParameterValue>> levels = new ArrayList<>();
            if (src != null) levels.add(src.parameters());
            levels.add(s.parameters());
            levels.add(cfg.moduleParameters());
            levels.add(cfg.parameters());
            for (Map<String, ParameterValue> level : levels) {
                ParameterValue given = level.get(p.name());
                Object v = given == null ? null : given.evaluate(tensor, t);
                if (v != null) return v;
            }
            if (p.required()) {
                throw new CocktailException(where + ": parameter '" + p.name() + "' is required"
                        + (src != null ? " for " + src.model() : "") + " (tensor " + tensor + ").");
            }
            return p.defaultValue();
        }

        /** Base first when the method uses one, then the other sources in order. */
        private List<MergekitConfig.Source> inputOrder(MergekitConfig.Slice s) {
            if (!cfg.usesBase(s)) return s.sources();
            String base = cfg.baseOf(s);
            List<MergekitConfig.Source> order = new ArrayList<>();
            s.sources().stream().filter(x -> x.model().equals(base)).findFirst().ifPresent(order::add);
            s.sources().stream().filter(x -> !x.model().equals(base)).forEach(order::add);
            return order;
        }

        private MergekitConfig.Source referenceSource(MergekitConfig.Slice s) {
            return inputOrder(s).getFirst();
        }

        private dev.cocktail.engine.Checkpoint reference(MergekitConfig.Slice s) {
            return models.checkpoint(names.indexOf(referenceSource(s).model()));
        }

        private int length(MergekitConfig.Slice s) {
            MergekitConfig.Source src = s.sources().getFirst();
            return src.layerRange() == null ? layerCount(src.model()) : src.layerRange()[1] - src.layerRange()[0];
        }

        /** The first layer a source takes, checked against the model's layer count. */
        private int start(MergekitConfig.Source src) {
            if (src.layerRange() == null) return 0;
            if (src.layerRange()[1] > layerCount(src.model())) {
                throw new CocktailException(where + ": layer_range " + java.util.Arrays.toString(src.layerRange()) + " of "
                        + src.model() + " goes past its " + layerCount(src.model()) + " layers.");
            }
            return src.layerRange()[0];
        }

        private final Map<String, Integer> layerCounts = new HashMap<>();

        private int layerCount(String model) {
            return layerCounts.computeIfAbsent(model, m -> layerCount(models.checkpoint(names.indexOf(m))));
        }

        /** The layers of the weights this plan covers in a checkpoint: one more than the highest index. */
        int layerCount(dev.cocktail.engine.Checkpoint c) {
            int max = -1;
            for (String n : c.names()) {
                Architecture.LayerTensor l = tensorNames.layerOf(n);
                if (l != null && owned.test(n)) max = Math.max(max, l.index());
            }
            return max + 1;
        }

        /** ", vocab_size 380 (not 379)" when a shape mismatch comes with different vocabularies. */
        private String vocab(String model, String ref, String tensor) {
            ModelDir a = models.dir(names.indexOf(ref)), b = models.dir(names.indexOf(model));
            if (!a.hasConfig() || !b.hasConfig()) return "";
            long va = a.config().path("vocab_size").asLong(-1), vb = b.config().path("vocab_size").asLong(-1);
            return va != vb && va > 0 && vb > 0 ? ": its vocab_size is " + vb + ", not " + va
                    + " (tokenizer_source: union merges different vocabularies)" : "";
        }
    }
}
