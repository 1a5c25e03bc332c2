package dev.cocktail.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A mergekit-moe YAML recipe (mergekit/moe/config.py's MoEMergeConfig): base_model, experts
 * (source_model, positive_prompts, negative_prompts, residual_scale), gate_mode, dtype,
 * experts_per_token (default 2), shared_experts, architecture. Checked as mergekit's is_bad_config
 * checks it.
 *
 * @param dtype         the output dtype, or null for the base model's
 * @param sharedExperts mergekit's shared_experts (a Qwen2-MoE's shared expert), else empty
 * @param architecture  the recipe's `architecture` (a prefix of an output's name), or null
 * @param text          the recipe as written, for the model card
 */
public record MoeConfig(String baseModel, List<Expert> experts, GateMode gateMode, DType dtype, int expertsPerToken,
                        List<Expert> sharedExperts, String architecture, String text) {

    /**
     * One expert: the dense model whose MLPs it takes, the prompts its router vectors come from,
     * and mergekit's residual_scale (the expert's down projection times it), or null.
     */
    public record Expert(String sourceModel, List<String> positivePrompts, List<String> negativePrompts, Double residualScale) {}

    /** How router weights are made (mergekit/moe/router.py's get_gate_params). */
    public enum GateMode {
        /** The hidden states entering each layer at the last token of each prompt, averaged over the prompts. */
        HIDDEN("hidden"),
        /** The same at the last token: mergekit's name for what hidden does. */
        HIDDEN_LAST("hidden_last"),
        /** The hidden states entering each layer averaged over each prompt's tokens, then over the prompts. */
        HIDDEN_AVG("hidden_avg"),
        /** The prompts' token embeddings summed, the same vector for every layer. */
        CHEAP_EMBED("cheap_embed"),
        /** Standard normal, seeded. */
        RANDOM("random"),
        /** Uniform in +-1/sqrt(hidden_size), torch.nn.Linear's initialisation, seeded. */
        UNIFORM_RANDOM("uniform_random");

        public final String yamlName;

        GateMode(String yamlName) {
            this.yamlName = yamlName;
        }

        /** Whether the router comes from the prompts through a forward pass. */
        boolean hidden() {
            return this == HIDDEN || this == HIDDEN_LAST || this == HIDDEN_AVG;
        }
    }

    private static final Set<String> TOP = Set.of("base_model", "experts", "gate_mode", "dtype", "experts_per_token",
            "shared_experts", "architecture");
    private static final Set<String> EXPERT = Set.of("source_model", "positive_prompts", "negative_prompts", "noise_scale",
            "residual_scale");

    public static MoeConfig read(Path file) {
        return parse(MergekitConfig.readText(file), file.toString());
    }

    static MoeConfig parse(String text, String where) {
        JsonNode root = MergekitConfig.tree(text, where);
        if (root == null || !root.isObject()) throw new CocktailException(where + ": is not a YAML mapping of mergekit-moe settings.");
        MergekitConfig.keys(root, TOP, where, "top level");
        String base = model(root.get("base_model"), where, "base_model");
        List<Expert> experts = experts(root.get("experts"), where, "experts");
        List<Expert> shared = root.hasNonNull("shared_experts") ? experts(root.get("shared_experts"), where, "shared_experts") : List.of();
        if (shared.stream().map(e -> e.positivePrompts().isEmpty()).distinct().count() > 1) {
            throw new CocktailException(where + ": give positive_prompts to every shared expert or to none, as mergekit requires.");
        }
        JsonNode arch = root.get("architecture");
        if (arch != null && !arch.isNull() && (!arch.isTextual() || arch.asText().isBlank())) {
            throw new CocktailException(where + ": architecture must be the name of an MoE output (mixtral, qwen), got " + arch + ".");
        }
        String modeName = root.path("gate_mode").asText("hidden");
        GateMode mode = null;
        for (GateMode g : GateMode.values()) if (g.yamlName.equals(modeName)) mode = g;
        if (mode == null) {
            throw new CocktailException(where + ": unknown gate_mode '" + modeName
                    + "' (hidden, hidden_avg, hidden_last, cheap_embed, random, uniform_random).");
        }
        JsonNode k = root.get("experts_per_token");
        if (k != null && !(k.isIntegralNumber() && k.canConvertToInt())) {
            throw new CocktailException(where + ": experts_per_token must be a whole number, got " + k + ".");
        }
        MoeConfig c = new MoeConfig(base, experts, mode, MergekitConfig.dtype(root.get("dtype"), where, "dtype"),
                k == null ? 2 : k.asInt(), shared, arch == null || arch.isNull() ? null : arch.asText(), text);
        c.check(where);
        return c;
    }

    /** The experts whose router vectors are computed: the experts, then the shared ones that have prompts or random routers (as mergekit's build). */
    List<Expert> routed() {
        boolean sharedRouted = !sharedExperts.isEmpty() && (!sharedExperts.getFirst().positivePrompts().isEmpty()
                || gateMode == GateMode.RANDOM || gateMode == GateMode.UNIFORM_RANDOM);
        List<Expert> all = new ArrayList<>(experts);
        if (sharedRouted) all.addAll(sharedExperts);
        return all;
    }

    /** A list of experts (experts or shared_experts), each checked. */
    private static List<Expert> experts(JsonNode list, String where, String key) {
        List<Expert> experts = new ArrayList<>();
        for (JsonNode e : MergekitConfig.list(list, where, key)) {
            if (!e.isObject()) throw new CocktailException(where + ": each entry of '" + key + "' must be a mapping with a 'source_model' key.");
            MergekitConfig.keys(e, EXPERT, where, "an expert");
            if (e.hasNonNull("noise_scale")) {
                throw new CocktailException(where + ": noise_scale is not supported: mergekit draws its noise from torch's "
                        + "generator, which Cocktail cannot reproduce; add noise after the build if you need it.");
            }
            JsonNode scale = e.get("residual_scale");
            if (scale != null && !scale.isNull() && !scale.isNumber()) {
                throw new CocktailException(where + ": residual_scale must be a number, got " + scale + ".");
            }
            experts.add(new Expert(model(e.get("source_model"), where, "source_model"), prompts(e.get("positive_prompts"), where),
                    prompts(e.get("negative_prompts"), where), scale == null || scale.isNull() ? null : scale.asDouble()));
        }
        return List.copyOf(experts);
    }

    /** mergekit's is_bad_config, each problem in one sentence (its all-models-the-same check is MoeMerge's). */
    private void check(String where) {
        if (expertsPerToken < 1) throw new CocktailException(where + ": experts_per_token must be at least 1, got " + expertsPerToken + ".");
        if (experts.size() < expertsPerToken) {
            throw new CocktailException(where + ": experts_per_token is " + expertsPerToken + " but only " + experts.size()
                    + " experts are listed; list at least as many.");
        }
        // as mergekit: only `random` routers need no prompts
        if (gateMode == GateMode.RANDOM) return;
        for (int i = 0; i < experts.size(); i++) {
            if (experts.get(i).positivePrompts().isEmpty()) {
                throw new CocktailException(where + ": expert " + i + " (" + experts.get(i).sourceModel()
                        + ") has no positive_prompts, which gate_mode " + gateMode.yamlName + " routes by.");
            }
        }
        Expert first = experts.getFirst();
        if (experts.size() > 1 && experts.stream().allMatch(e -> e.positivePrompts().equals(first.positivePrompts())
                && e.negativePrompts().equals(first.negativePrompts()))) {
            throw new CocktailException(where + ": every expert has the same positive and negative prompts, which would "
                    + "route nothing apart; give each expert prompts like those it should receive.");
        }
    }

    private static String model(JsonNode n, String where, String key) {
        if (n == null || !n.isTextual() || n.asText().isBlank()) throw new CocktailException(where + ": '" + key + "' must be a model path or repo id.");
        return n.asText();
    }

    private static List<String> prompts(JsonNode n, String where) {
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw new CocktailException(where + ": prompts must be a list of strings, got " + n + ".");
        List<String> out = new ArrayList<>();
        for (JsonNode p : n) {
            if (!p.isTextual()) throw new CocktailException(where + ": prompts must be a list of strings, got " + p + " in one.");
            out.add(p.asText());
        }
        return List.copyOf(out);
    }
}
