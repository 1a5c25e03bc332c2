package dev.cocktail.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ModelDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a mixture of experts from dense models, as mergekit-moe does. Mixtral
 * (mergekit/moe/mixtral.py, Llama or Mistral inputs): attention, norms, embeddings and head from
 * base_model; in each layer, expert e's w1, w2, w3 are the gate, down and up projections of
 * experts[e]'s model (w2 times its residual_scale); the router (block_sparse_moe.gate) from
 * MoeRouters. Qwen2-MoE (mergekit/moe/qwen.py, Llama, Mistral or Qwen2 inputs, one shared expert):
 * the same with transformers' Qwen2-MoE names (mlp.experts.E.gate_proj, ..., mlp.gate), plus the
 * shared expert's MLP (mlp.shared_expert.*) and its one-row router (mlp.shared_expert_gate), and
 * zero q/k/v biases where the inputs have none. Streamed through the merge driver like any merge;
 * config.json is the base's turned into the output's config.
 */
public final class MoeMerge {
    private MoeMerge() {}

    private static final Set<String> MIXTRAL_TYPES = Set.of("llama", "mistral"), QWEN_TYPES = Set.of("llama", "mistral", "qwen2");
    private static final String[][] EXPERT_WEIGHTS = {{"gate_proj", "w1"}, {"down_proj", "w2"}, {"up_proj", "w3"}};

    /**
     * @param allowAllSame build even when every expert is the same model (mergekit's
     *                     --i-understand-this-is-not-useful-without-training)
     */
    /** @param forward opens the base model's forward pass, for the routers of the hidden gate modes */
    public record Request(Path recipe, Output output, long seed, boolean allowAllSame, Function<ModelDir, LayerInputs> forward) {}

    public static void build(Request r, Progress progress, String version) {
        MoeConfig cfg = MoeConfig.read(r.recipe());
        String where = r.recipe().toString();
        Path recipeDir = r.recipe().toAbsolutePath().getParent();
        List<String> names = new ArrayList<>(List.of(cfg.baseModel()));
        for (MoeConfig.Expert e : cfg.experts()) if (!names.contains(e.sourceModel())) names.add(e.sourceModel());
        for (MoeConfig.Expert e : cfg.sharedExperts()) if (!names.contains(e.sourceModel())) names.add(e.sourceModel());
        // as mergekit's is_bad_config: random routers may route between copies of one model, the others may not
        if (cfg.gateMode() != MoeConfig.GateMode.RANDOM && !r.allowAllSame()
                && cfg.experts().stream().allMatch(e -> e.sourceModel().equals(cfg.experts().getFirst().sourceModel()))) {
            throw CocktailException.about("allow identical experts", where + ": every expert is the same model, which makes a larger model with the same "
                    + "outputs; allow identical experts if you will train it.");
        }
        try (OpenModels models = OpenModels.open(names.stream().map(n -> ModelDir.resolve(MergekitMerge.locate(n, recipeDir))).toList());
             Arena arena = Arena.ofShared()) {
            ModelDir base = models.dir(0);
            ObjectNode baseConfig = checkModels(models, where);
            OutputArch arch = outputArch(cfg, baseConfig.path("model_type").asText(""), where);
            int layers = baseConfig.path("num_hidden_layers").asInt(), hidden = baseConfig.path("hidden_size").asInt();
            DType dtype = cfg.dtype() != null ? cfg.dtype()
                    : DType.fromTorchName(baseConfig.path("torch_dtype").asText("")) != null
                    ? DType.fromTorchName(baseConfig.path("torch_dtype").asText("")) : models.mainDtype(0);
            float[][] routers = MoeRouters.compute(cfg, base, layers, hidden, r.seed(), r.forward(), progress);
            List<Integer> degenerate = MoeRouters.degenerateLayers(routers, cfg.routed().size(), hidden);
            if (!degenerate.isEmpty()) {
                progress.warn("the routers of " + (degenerate.size() == layers ? "every layer" : "layers " + degenerate)
                        + " are nearly degenerate (condition number above 5): the experts' prompts are too alike, "
                        + "and some experts will be underused.");
            }
            int n = cfg.experts().size();
            if (arch == OutputArch.QWEN2_MOE && (n & (n - 1)) != 0) {
                progress.warn(n + " experts is not a power of two, which llama.cpp needs to run a Qwen2-MoE.");
            }
            List<PlannedTensor> plan = arch == OutputArch.MIXTRAL ? mixtralPlan(cfg, names, models, routers, dtype, arena)
                    : qwenPlan(cfg, names, models, routers, dtype, arena);
            List<String> roles = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) roles.add(role(cfg, names.get(i), i == 0));
            List<String> settings = List.of("method: mergekit-moe, " + arch.title + " output, gate_mode " + cfg.gateMode().yamlName
                    + ", " + cfg.expertsPerToken() + " experts per token", "dtype: " + dtype.torchName(),
                    "recipe:\n\n```yaml\n" + cfg.text().strip() + "\n```\n");
            Long seed = cfg.gateMode() == MoeConfig.GateMode.RANDOM || cfg.gateMode() == MoeConfig.GateMode.UNIFORM_RANDOM ? r.seed() : null;
            ModelFiles files = new ModelFiles(base, base, dtype, 0, new ModelCard("mergekit-moe", models, roles, settings, seed, version,
                    new Recipe(List.of("mergekit", "moe"), "mergekit_moe_config.yml", cfg.text())), 0, null,
                    arch == OutputArch.MIXTRAL ? mixtralConfig(baseConfig, cfg) : qwenConfig(baseConfig, cfg));
            try {
                MergeDriver.run(new MergeJob(plan, files, r.output(), models.paths(), r.seed()), progress);
            } catch (RuntimeException | Error e) {
                models.checkUnchanged(e);
                throw e;
            }
        }
    }

    /** The MoE architectures Cocktail writes, by mergekit's names. */
    enum OutputArch {
        MIXTRAL("Mixtral"), QWEN2_MOE("Qwen MoE");

        final String title;

        OutputArch(String title) {
            this.title = title;
        }
    }

    /**
     * The output, chosen as mergekit's select_output_arch chooses among the outputs whose
     * supports_config accepts the recipe (Mixtral first, then the first in mergekit's order: DeepSeek,
     * Qwen), only among those whose name starts with `architecture` when the recipe gives one.
     */
    static OutputArch outputArch(MoeConfig cfg, String type, String where) {
        List<MoeConfig.Expert> shared = cfg.sharedExperts();
        boolean random = cfg.gateMode() == MoeConfig.GateMode.RANDOM;
        String arch = cfg.architecture() == null ? "" : cfg.architecture().toLowerCase(java.util.Locale.ROOT);
        boolean mixtral = shared.isEmpty() && MIXTRAL_TYPES.contains(type) && "mixtral".startsWith(arch);
        boolean deepseek = shared.size() <= 1 && shared.stream().allMatch(e -> e.positivePrompts().isEmpty() && e.negativePrompts().isEmpty())
                && MIXTRAL_TYPES.contains(type) && "deepseek moe".startsWith(arch);
        boolean qwen = shared.size() == 1 && (random || !shared.getFirst().positivePrompts().isEmpty()) && QWEN_TYPES.contains(type)
                && "qwen moe".startsWith(arch);
        if (mixtral) return OutputArch.MIXTRAL;
        if (deepseek) {
            throw new CocktailException(where + ": mergekit-moe would write this recipe as a DeepSeek MoE"
                    + (shared.isEmpty() ? "" : " (its shared expert has no prompts)") + ", which Cocktail does not write; "
                    + (shared.isEmpty() ? "use a Mixtral (no shared_experts)." : "give the shared expert positive_prompts for a Qwen2-MoE."));
        }
        if (qwen) return OutputArch.QWEN2_MOE;
        throw new CocktailException(where + ": no MoE output Cocktail writes fits this recipe (" + type + " models, "
                + shared.size() + " shared experts" + (arch.isEmpty() ? "" : ", architecture '" + cfg.architecture() + "'")
                + "): Mixtral takes llama or mistral models and no shared expert; Qwen2-MoE takes llama, mistral or qwen2 models "
                + "and exactly one shared expert with positive_prompts (or gate_mode random).");
    }

    /**
     * The base's config, after checking that every model is a Llama, Mistral or Qwen2 of the base's
     * type and shape: hidden size, layer count, and each layer's MLP projections.
     */
    private static ObjectNode checkModels(OpenModels models, String where) {
        ModelDir base = models.dir(0);
        if (!base.hasConfig()) throw new CocktailException(base.name() + ": has no config.json, so it cannot be the base of an MoE.");
        ObjectNode baseConfig = base.config();
        String type = baseConfig.path("model_type").asText("");
        if (!QWEN_TYPES.contains(type)) {
            throw new CocktailException(base.name() + ": model_type '" + type + "' cannot be made into an MoE; "
                    + "mergekit-moe's Mixtral output takes llama or mistral models, its Qwen2-MoE output also qwen2.");
        }
        int layers = baseConfig.path("num_hidden_layers").asInt();
        Checkpoint b = models.checkpoint(0);
        for (int m = 1; m < models.size(); m++) {
            ModelDir d = models.dir(m);
            String t = d.hasConfig() ? d.config().path("model_type").asText("") : "";
            if (!t.equals(type)) {
                throw new CocktailException(where + ": expert " + d.name() + " is model_type '" + t + "' but the base is '" + type
                        + "'; an MoE needs every model of one architecture.");
            }
            for (int l = 0; l < layers; l++) {
                for (String[] w : EXPERT_WEIGHTS) {
                    String name = mlp(l, w[0]);
                    Tensor want = b.require(name), got = models.checkpoint(m).tensor(name);
                    if (got == null || !java.util.Arrays.equals(want.shape(), got.shape())) {
                        throw new CocktailException(where + ": expert " + d.name() + " has "
                                + (got == null ? "no '" + name + "'" : "'" + name + "' of shape " + got.shapeString())
                                + " where the base has " + want.shapeString() + "; experts must all have the base's shapes.");
                    }
                }
            }
        }
        return baseConfig;
    }

    /** The base's tensors outside the MLPs, then per layer the router and each expert's w1, w2, w3. */
    private static List<PlannedTensor> mixtralPlan(MoeConfig cfg, List<String> names, OpenModels models, float[][] routers, DType dtype,
                                                   Arena arena) {
        List<PlannedTensor> plan = baseTensors(models, dtype);
        int n = cfg.experts().size();
        for (int l = 0; l < routers.length; l++) {
            String prefix = "model.layers." + l + ".block_sparse_moe.";
            int hidden = routers[l].length / n;
            plan.add(f32(prefix + "gate.weight", routers[l], 0, new long[] {n, hidden}, dtype, arena));
            for (int e = 0; e < n; e++) {
                MoeConfig.Expert expert = cfg.experts().get(e);
                Checkpoint source = models.checkpoint(names.indexOf(expert.sourceModel()));
                for (String[] w : EXPERT_WEIGHTS) plan.add(expertWeight(source, expert, l, w[0], prefix + "experts." + e + "." + w[1] + ".weight", dtype));
            }
        }
        return plan;
    }

    /**
     * The base's tensors outside the MLPs, zero q/k/v biases where it has none, then per layer the
     * router, the shared expert's router, each expert's and the shared expert's projections.
     */
    private static List<PlannedTensor> qwenPlan(MoeConfig cfg, List<String> names, OpenModels models, float[][] routers, DType dtype,
                                                Arena arena) {
        List<PlannedTensor> plan = baseTensors(models, dtype);
        Checkpoint base = models.checkpoint(0);
        int n = cfg.experts().size();
        MoeConfig.Expert shared = cfg.sharedExperts().getFirst();
        Checkpoint sharedSource = models.checkpoint(names.indexOf(shared.sourceModel()));
        for (int l = 0; l < routers.length; l++) {
            String prefix = "model.layers." + l + ".";
            if (base.tensor(prefix + "self_attn.o_proj.bias") != null) {
                throw new CocktailException(models.dir(0).name() + ": has attention output biases (" + prefix
                        + "self_attn.o_proj.bias), which a Qwen2-MoE does not have.");
            }
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj"}) {
                String bias = prefix + "self_attn." + proj + ".bias";
                if (base.tensor(bias) == null) {
                    long[] shape = {base.require(prefix + "self_attn." + proj + ".weight").shape()[0]};
                    plan.add(f32(bias, new float[(int) shape[0]], 0, shape, dtype, arena));
                }
            }
            int hidden = routers[l].length / (n + 1);
            plan.add(f32(prefix + "mlp.gate.weight", routers[l], 0, new long[] {n, hidden}, dtype, arena));
            plan.add(f32(prefix + "mlp.shared_expert_gate.weight", routers[l], n * hidden, new long[] {1, hidden}, dtype, arena));
            for (int e = 0; e < n; e++) {
                MoeConfig.Expert expert = cfg.experts().get(e);
                Checkpoint source = models.checkpoint(names.indexOf(expert.sourceModel()));
                for (String[] w : EXPERT_WEIGHTS) plan.add(expertWeight(source, expert, l, w[0], prefix + "mlp.experts." + e + "." + w[0] + ".weight", dtype));
            }
            for (String[] w : EXPERT_WEIGHTS) plan.add(expertWeight(sharedSource, shared, l, w[0], prefix + "mlp.shared_expert." + w[0] + ".weight", dtype));
        }
        return plan;
    }

    /** The base's tensors outside the MLPs, as they are. */
    private static List<PlannedTensor> baseTensors(OpenModels models, DType dtype) {
        List<PlannedTensor> plan = new ArrayList<>();
        for (Tensor t : models.checkpoint(0).tensors()) {
            if (t.name().contains(".mlp.")) continue;
            plan.add(new PlannedTensor(t.name(), t.dtype().isFloat() ? dtype : t.dtype(), t.shape(), List.of(t), TensorMerge.COPY));
        }
        return plan;
    }

    /** Projection `projection` of layer l of an expert's model, as output tensor `name`: the down projection times its residual_scale. */
    private static PlannedTensor expertWeight(Checkpoint source, MoeConfig.Expert expert, int l, String projection, String name, DType dtype) {
        Tensor t = source.require(mlp(l, projection));
        boolean scaled = projection.equals("down_proj") && expert.residualScale() != null;
        return new PlannedTensor(name, dtype, t.shape(), List.of(t), scaled ? scale(expert.residualScale().floatValue()) : TensorMerge.COPY);
    }

    /** A tensor of the given shape from values[from..], held in `arena`. */
    private static PlannedTensor f32(String name, float[] values, int from, long[] shape, DType dtype, Arena arena) {
        int count = (int) Tensor.elementCount(shape);
        MemorySegment bytes = arena.allocate(4L * count);
        MemorySegment.copy(values, from, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, count);
        return new PlannedTensor(name, dtype, shape, List.of(new Tensor(name, DType.F32, shape, bytes)), TensorMerge.COPY);
    }

    private static TensorMerge scale(float s) {
        return job -> c -> {
            for (int i = 0; i < c.n; i++) c.out[i] = c.in[0][i] * s;
        };
    }

    private static String mlp(int layer, String projection) {
        return "model.layers." + layer + ".mlp." + projection + ".weight";
    }

    /** mergekit's _generate_config: the base's config as a MixtralConfig, its defaults written where the base relied on Llama's. */
    static ObjectNode mixtralConfig(ObjectNode base, MoeConfig cfg) {
        ObjectNode c = base.deepCopy();
        c.put("model_type", "mixtral");
        c.putArray("architectures").add("MixtralForCausalLM");
        c.put("num_local_experts", cfg.experts().size());
        c.put("num_experts_per_tok", cfg.expertsPerToken());
        c.putNull("sliding_window");
        // MixtralConfig's own defaults differ from LlamaConfig's: the values the base had are kept
        if (!c.hasNonNull("rope_theta") && !c.has("rope_parameters")) c.put("rope_theta", 10000.0);
        if (!c.hasNonNull("rms_norm_eps")) c.put("rms_norm_eps", 1e-6);
        if (!c.hasNonNull("max_position_embeddings")) c.put("max_position_embeddings", 2048);
        if (!c.has("output_router_logits")) c.put("output_router_logits", false);
        if (!c.has("router_aux_loss_coef")) c.put("router_aux_loss_coef", 0.001);
        if (!c.has("router_jitter_noise")) c.put("router_jitter_noise", 0.0);
        return c;
    }

    /**
     * mergekit's QwenMoE._generate_config: the base's config as a Qwen2MoeConfig, every expert of the
     * base's intermediate size, top-k probabilities renormalised, no sliding window; the defaults the
     * base relied on written out where Qwen2MoeConfig's differ.
     */
    static ObjectNode qwenConfig(ObjectNode base, MoeConfig cfg) {
        ObjectNode c = base.deepCopy();
        c.put("model_type", "qwen2_moe");
        c.putArray("architectures").add("Qwen2MoeForCausalLM");
        c.put("num_experts", cfg.experts().size());
        c.put("num_experts_per_tok", cfg.expertsPerToken());
        c.put("decoder_sparse_step", 1);
        c.put("norm_topk_prob", true);
        c.putNull("sliding_window");
        c.put("use_sliding_window", false);
        int inter = base.path("intermediate_size").asInt();
        c.put("shared_expert_intermediate_size", inter);
        c.put("moe_intermediate_size", inter);
        if (!c.hasNonNull("max_position_embeddings")) c.put("max_position_embeddings", 2048);
        return c;
    }

    /** The model card's line for input `name`: base model, expert(s) with their prompts. */
    private static String role(MoeConfig cfg, String name, boolean base) {
        List<String> parts = new ArrayList<>();
        if (base) parts.add("base model (attention, norms, embeddings, head, routing)");
        List<MoeConfig.Expert> all = new ArrayList<>(cfg.experts());
        all.addAll(cfg.sharedExperts());
        for (int e = 0; e < all.size(); e++) {
            MoeConfig.Expert x = all.get(e);
            if (!x.sourceModel().equals(name)) continue;
            String s = (e < cfg.experts().size() ? "expert " + e : "shared expert");
            if (!x.positivePrompts().isEmpty()) s += ", positive prompts " + x.positivePrompts();
            if (!x.negativePrompts().isEmpty()) s += ", negative prompts " + x.negativePrompts();
            if (x.residualScale() != null) s += ", residual_scale " + x.residualScale();
            parts.add(s);
        }
        return String.join("; ", parts);
    }
}
