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
 * Builds a Mixtral mixture of experts from dense Llama or Mistral models, as mergekit-moe does
 * (mergekit/moe/mixtral.py): attention, norms, embeddings and head from base_model; in each layer,
 * expert e's w1, w2, w3 are the gate, down and up projections of experts[e]'s model (w2 times its
 * residual_scale); the router (block_sparse_moe.gate) from MoeRouters. Streamed through the merge
 * driver like any merge; config.json is the base's turned into a MixtralConfig.
 */
public final class MoeMerge {
    private MoeMerge() {}

    private static final Set<String> DENSE_TYPES = Set.of("llama", "mistral");
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
            int layers = baseConfig.path("num_hidden_layers").asInt(), hidden = baseConfig.path("hidden_size").asInt();
            DType dtype = cfg.dtype() != null ? cfg.dtype()
                    : DType.fromTorchName(baseConfig.path("torch_dtype").asText("")) != null
                    ? DType.fromTorchName(baseConfig.path("torch_dtype").asText("")) : models.mainDtype(0);
            float[][] routers = MoeRouters.compute(cfg, base, layers, hidden, r.seed(), r.forward(), progress);
            List<Integer> degenerate = MoeRouters.degenerateLayers(routers, cfg.experts().size(), hidden);
            if (!degenerate.isEmpty()) {
                progress.warn("the routers of " + (degenerate.size() == layers ? "every layer" : "layers " + degenerate)
                        + " are nearly degenerate (condition number above 5): the experts' prompts are too alike, "
                        + "and some experts will be underused.");
            }
            List<PlannedTensor> plan = plan(cfg, names, models, routers, dtype, arena);
            List<String> roles = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) roles.add(role(cfg, names.get(i), i == 0));
            List<String> settings = List.of("method: mergekit-moe, Mixtral output, gate_mode " + cfg.gateMode().yamlName
                    + ", " + cfg.expertsPerToken() + " experts per token", "dtype: " + dtype.torchName(),
                    "recipe:\n\n```yaml\n" + cfg.text().strip() + "\n```\n");
            Long seed = cfg.gateMode() == MoeConfig.GateMode.RANDOM || cfg.gateMode() == MoeConfig.GateMode.UNIFORM_RANDOM ? r.seed() : null;
            ModelFiles files = new ModelFiles(base, base, dtype, 0, new ModelCard("mergekit-moe", models, roles, settings, seed, version,
                    new Recipe(List.of("mergekit", "moe"), "mergekit_moe_config.yml", cfg.text())), 0, null, mixtralConfig(baseConfig, cfg));
            try {
                MergeDriver.run(new MergeJob(plan, files, r.output(), models.paths(), r.seed()), progress);
            } catch (RuntimeException | Error e) {
                models.checkUnchanged(e);
                throw e;
            }
        }
    }

    /**
     * The base's config, after checking that every model is a Llama or Mistral of the base's type
     * and shape: hidden size, layer count, and each layer's MLP projections.
     */
    private static ObjectNode checkModels(OpenModels models, String where) {
        ModelDir base = models.dir(0);
        if (!base.hasConfig()) throw new CocktailException(base.name() + ": has no config.json, so it cannot be the base of an MoE.");
        ObjectNode baseConfig = base.config();
        String type = baseConfig.path("model_type").asText("");
        if (!DENSE_TYPES.contains(type)) {
            throw new CocktailException(base.name() + ": model_type '" + type + "' cannot be made into a Mixtral; "
                    + "mergekit-moe's Mixtral output takes llama or mistral models.");
        }
        int layers = baseConfig.path("num_hidden_layers").asInt();
        Checkpoint b = models.checkpoint(0);
        for (int m = 1; m < models.size(); m++) {
            ModelDir d = models.dir(m);
            String t = d.hasConfig() ? d.config().path("model_type").asText("") : "";
            if (!t.equals(type)) {
                throw new CocktailException(where + ": expert " + d.name() + " is model_type '" + t + "' but the base is '" + type
                        + "'; a Mixtral needs every model of one architecture.");
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
    private static List<PlannedTensor> plan(MoeConfig cfg, List<String> names, OpenModels models, float[][] routers, DType dtype,
                                            Arena arena) {
        List<PlannedTensor> plan = new ArrayList<>();
        for (Tensor t : models.checkpoint(0).tensors()) {
            if (t.name().contains(".mlp.")) continue;
            plan.add(new PlannedTensor(t.name(), t.dtype().isFloat() ? dtype : t.dtype(), t.shape(), List.of(t), TensorMerge.COPY));
        }
        int n = cfg.experts().size();
        for (int l = 0; l < routers.length; l++) {
            String prefix = "model.layers." + l + ".block_sparse_moe.";
            int hidden = routers[l].length / n;
            MemorySegment bytes = arena.allocate(4L * routers[l].length);
            MemorySegment.copy(routers[l], 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, routers[l].length);
            long[] shape = {n, hidden};
            plan.add(new PlannedTensor(prefix + "gate.weight", dtype, shape,
                    List.of(new Tensor(prefix + "gate.weight", DType.F32, shape, bytes)), TensorMerge.COPY));
            for (int e = 0; e < n; e++) {
                MoeConfig.Expert expert = cfg.experts().get(e);
                Checkpoint source = models.checkpoint(names.indexOf(expert.sourceModel()));
                for (String[] w : EXPERT_WEIGHTS) {
                    Tensor t = source.require(mlp(l, w[0]));
                    boolean scaled = w[1].equals("w2") && expert.residualScale() != null;
                    plan.add(new PlannedTensor(prefix + "experts." + e + "." + w[1] + ".weight", dtype, t.shape(), List.of(t),
                            scaled ? scale(expert.residualScale().floatValue()) : TensorMerge.COPY));
                }
            }
        }
        return plan;
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

    /** The model card's line for input `name`: base model, expert(s) with their prompts. */
    private static String role(MoeConfig cfg, String name, boolean base) {
        List<String> parts = new ArrayList<>();
        if (base) parts.add("base model (attention, norms, embeddings, head, routing)");
        for (int e = 0; e < cfg.experts().size(); e++) {
            MoeConfig.Expert x = cfg.experts().get(e);
            if (!x.sourceModel().equals(name)) continue;
            String s = "expert " + e;
            if (!x.positivePrompts().isEmpty()) s += ", positive prompts " + x.positivePrompts();
            if (!x.negativePrompts().isEmpty()) s += ", negative prompts " + x.negativePrompts();
            if (x.residualScale() != null) s += ", residual_scale " + x.residualScale();
            parts.add(s);
        }
        return String.join("; ", parts);
    }
}
