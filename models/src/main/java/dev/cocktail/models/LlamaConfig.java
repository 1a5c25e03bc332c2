package dev.cocktail.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.ForwardPass;

/**
 * The config.json of a Llama-style decoder (llama, mistral, qwen2, qwen3, gemma2, gemma3_text,
 * phi3, mixtral, qwen2_moe), with transformers' defaults for absent keys. Every difference between the families is
 * decided here, once; the forward pass only reads the result.
 *
 * @param headDim            from config.json when present, else hidden / heads
 * @param dtype              torch_dtype (or dtype), null when absent or unknown
 * @param rope               the rotary embedding of full-attention layers (of every layer but Gemma 3's local ones)
 * @param localRope          Gemma 3's rotary embedding of sliding layers, else null
 * @param attentionBias      q/k/v/o biases (attention_bias)
 * @param qkvBias            q/k/v biases without an o bias (qwen2)
 * @param mlpBias            gate/up/down biases (llama mlp_bias)
 * @param slidingWindow      keys this far back or further are masked on sliding layers (0: none)
 * @param sliding            per layer, whether the window applies
 * @param attentionScale     the factor of q.k: head_dim^-0.5, Gemma's query_pre_attn_scalar^-0.5
 * @param attentionSoftcap   Gemma 2's attn_logit_softcapping (0: none)
 * @param finalSoftcap       Gemma's final_logit_softcapping (0: none)
 * @param experts            Mixtral's or Qwen2-MoE's sparse MoE MLP in place of the dense one, else null
 */
public record LlamaConfig(String modelType, Family family, int hiddenSize, int layers, int heads, int kvHeads, int headDim,
                          int intermediateSize, int vocabSize, float rmsNormEps, DType dtype, Rotary rope, Rotary localRope,
                          int maxPositions, boolean tieWordEmbeddings, boolean attentionBias, boolean qkvBias,
                          boolean mlpBias, Activation activation, int slidingWindow, boolean[] sliding,
                          float attentionScale, float attentionSoftcap, float finalSoftcap, Experts experts) {

    /** The model types, and the structure each one's weights and layers have. */
    public enum Family {
        LLAMA("llama"), MISTRAL("mistral"), QWEN2("qwen2"), QWEN3("qwen3"), GEMMA2("gemma2"), GEMMA3("gemma3_text"), PHI3("phi3"),
        MIXTRAL("mixtral"), QWEN2_MOE("qwen2_moe");

        public final String modelType;

        Family(String modelType) {
            this.modelType = modelType;
        }

        static Family of(String modelType) {
            for (Family f : values()) {
                if (f.modelType.equals(modelType)) return f;
            }
            return null;
        }

        /** (1 + w) RMSNorms, norms before and after attention and feed-forward, embeddings times sqrt(hidden). */
        public boolean gemma() {
            return this == GEMMA2 || this == GEMMA3;
        }

        /** An RMSNorm over every query and key head before RoPE. */
        public boolean qkNorm() {
            return this == QWEN3 || this == GEMMA3;
        }

        /** One qkv_proj matrix (q, k, v rows) and one gate_up_proj (gate, up rows). */
        public boolean fused() {
            return this == PHI3;
        }
    }

    /**
     * A sparse MoE MLP: experts per layer (Mixtral's num_local_experts, Qwen2-MoE's num_experts), how
     * many each token goes to (num_experts_per_tok), whether their top-k probabilities are
     * renormalised (always for Mixtral, norm_topk_prob for Qwen2-MoE), each expert's intermediate
     * size, the shared expert's (Qwen2-MoE; 0: none), and which layers are sparse (Qwen2-MoE's
     * decoder_sparse_step and mlp_only_layers; the others have the dense MLP of intermediate_size).
     */
    public record Experts(int count, int perToken, boolean normalize, int intermediate, int sharedIntermediate, int sparseStep,
                          java.util.List<Integer> mlpOnlyLayers) {
        /** Whether layer i has the sparse MLP, as transformers' Qwen2MoeDecoderLayer decides. */
        public boolean sparse(int layer) {
            return !mlpOnlyLayers.contains(layer) && (layer + 1) % sparseStep == 0;
        }
    }

    /** The gate's activation of the MLP down(act(gate(h)) * up(h)). */
    public enum Activation { SILU, GELU_TANH }

    /**
     * A rotary embedding: base theta, optional scaling, and the leading dims of each head it turns
     * (head_dim, or fewer with partial_rotary_factor).
     */
    public record Rotary(double theta, RopeScaling scaling, int dims) {}

    /**
     * rope_scaling: linear (positions / factor), dynamic (NTK base growth past originalMaxPositions,
     * which is max_position_embeddings), llama3 (transformers' _compute_llama3_parameters) or longrope
     * (per-frequency short or long factors and an attention factor on cos and sin).
     */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositions, double[] shortFactor, double[] longFactor, double attentionFactor) {}

    public static LlamaConfig parse(ObjectNode json, String where) {
        ConfigReader c = new ConfigReader(json, where);
        String type = c.text("model_type", null);
        if (type == null) throw new CocktailException(where + ": has no model_type.");
        Family family = Family.of(type);
        if (family == null || Architecture.of(json).forwardPass() != ForwardPass.LLAMA) {
            throw new CocktailException(where + ": model_type '" + type + "' is not a Llama-style decoder ("
                    + Architecture.typesRunBy(ForwardPass.LLAMA) + ").");
        }
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        int kvHeads = c.positiveInt("num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw new CocktailException(where + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads + ".");
        }
        int headDim = c.positiveInt("head_dim", hidden / heads);
        if (!c.has("head_dim") && hidden % heads != 0) {
            throw new CocktailException(where + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads + ".");
        }
        if (headDim % 2 != 0) throw new CocktailException(where + ": head_dim " + headDim + " is odd; rotary embeddings need pairs.");
        int layers = c.positiveInt("num_hidden_layers");
        int maxPositions = c.positiveInt("max_position_embeddings", 2048);
        double partial = c.positiveNumber("partial_rotary_factor", 1.0);
        int rotaryDims = (int) (headDim * partial);
        if (partial > 1 || rotaryDims == 0 || rotaryDims % 2 != 0) {
            throw new CocktailException(where + ": partial_rotary_factor " + partial + " gives " + rotaryDims
                    + " rotary dimensions of head_dim " + headDim + "; rotary embeddings need a positive even number of them.");
        }

        Rotary rope, localRope = null;
        // transformers 5 folds rope_theta and rope_scaling into rope_parameters, per layer type for Gemma 3
        ConfigReader params = c.object("rope_parameters");
        if (family == Family.GEMMA3) {
            ConfigReader full = params == null ? null : params.object("full_attention");
            ConfigReader local = params == null ? null : params.object("sliding_attention");
            rope = full != null ? rotary(family, full, full, 1e6, rotaryDims, maxPositions, c)
                    : rotary(family, c, c.object("rope_scaling"), 1e6, rotaryDims, maxPositions, c);
            localRope = local != null ? rotary(family, local, local, 10000, rotaryDims, maxPositions, c)
                    : new Rotary(c.positiveNumber("rope_local_base_freq", 10000), null, rotaryDims);
        } else {
            double theta = family == Family.MIXTRAL ? 1e6 : 10000; // MixtralConfig's default rope_theta
            rope = params != null ? rotary(family, params.has("rope_theta") ? params : c, params, theta, rotaryDims, maxPositions, c)
                    : rotary(family, c, c.object("rope_scaling"), theta, rotaryDims, maxPositions, c);
        }

        int window = switch (family) {
            case LLAMA -> 0;
            case QWEN2, QWEN3, QWEN2_MOE -> c.bool("use_sliding_window", false) ? c.positiveInt("sliding_window", 0) : 0;
            case GEMMA2, GEMMA3 -> c.positiveInt("sliding_window", 4096);
            case MISTRAL, PHI3, MIXTRAL -> c.positiveInt("sliding_window", 0);
        };
        boolean[] sliding = slidingLayers(family, c, layers);

        boolean gemma = family.gemma();
        String act = gemma ? c.text("hidden_activation", "gelu_pytorch_tanh") : c.text("hidden_act", "silu");
        Activation activation = switch (act) {
            case "silu", "swish" -> Activation.SILU;
            case "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> throw new CocktailException(where + ": activation '" + act + "' is not supported (silu, gelu_pytorch_tanh).");
        };
        double scaleBase = gemma ? c.positiveNumber("query_pre_attn_scalar", 256) : headDim;
        boolean attentionBias = switch (family) {
            case LLAMA, QWEN3, GEMMA2, GEMMA3 -> c.bool("attention_bias", false);
            default -> false;
        };
        String dtypeName = c.text("torch_dtype", c.text("dtype", null));
        return new LlamaConfig(type, family, hidden, layers, heads, kvHeads, headDim,
                c.positiveInt("intermediate_size"), c.positiveInt("vocab_size"),
                (float) c.positiveNumber("rms_norm_eps", family == Family.MIXTRAL ? 1e-5 : 1e-6), dtypeName == null ? null : DType.fromTorchName(dtypeName),
                rope, localRope, maxPositions, c.bool("tie_word_embeddings", gemma),
                attentionBias, family == Family.QWEN2 || family == Family.QWEN2_MOE && c.bool("qkv_bias", true),
                family == Family.LLAMA && c.bool("mlp_bias", false),
                activation, window, sliding, (float) (1 / Math.sqrt(scaleBase)),
                family == Family.GEMMA2 ? (float) c.optionalPositive("attn_logit_softcapping", 50.0) : 0f,
                family == Family.GEMMA2 ? (float) c.optionalPositive("final_logit_softcapping", 30.0)
                        : family == Family.GEMMA3 ? (float) c.optionalPositive("final_logit_softcapping", 0) : 0f,
                family == Family.MIXTRAL || family == Family.QWEN2_MOE ? experts(family, c) : null);
    }

    /**
     * MixtralConfig's num_local_experts (8) and num_experts_per_tok (2); Qwen2MoeConfig's num_experts
     * (60), num_experts_per_tok (4), norm_topk_prob (false), moe_intermediate_size (1408),
     * shared_expert_intermediate_size (5632), decoder_sparse_step (1), mlp_only_layers (none).
     */
    private static Experts experts(Family family, ConfigReader c) {
        boolean qwen = family == Family.QWEN2_MOE;
        int count = qwen ? c.positiveInt("num_experts", 60) : c.positiveInt("num_local_experts", 8);
        int perToken = c.positiveInt("num_experts_per_tok", qwen ? 4 : 2);
        if (perToken > count) {
            throw new CocktailException(c.where() + ": num_experts_per_tok " + perToken + " is more than "
                    + (qwen ? "num_experts " : "num_local_experts ") + count + ".");
        }
        if (!qwen) return new Experts(count, perToken, true, c.positiveInt("intermediate_size"), 0, 1, java.util.List.of());
        java.util.List<Integer> mlpOnly = new java.util.ArrayList<>();
        JsonNode only = c.node().get("mlp_only_layers");
        if (only != null && !only.isNull()) {
            if (!only.isArray()) throw new CocktailException(c.where() + ": mlp_only_layers must be a list of layer indices.");
            for (JsonNode i : only) mlpOnly.add(i.asInt());
        }
        return new Experts(count, perToken, c.bool("norm_topk_prob", false), c.positiveInt("moe_intermediate_size", 1408),
                c.positiveInt("shared_expert_intermediate_size", 5632), c.positiveInt("decoder_sparse_step", 1), java.util.List.copyOf(mlpOnly));
    }

    /**
     * layer_types when present (its length checked), else each family's rule: Qwen's window from
     * max_window_layers on, Qwen2-MoE's on every other layer below it (from layer 0), Gemma 2's even layers, Gemma 3's all but every sliding_window_pattern-th,
     * Mistral's and Phi-3's every layer.
     */
    private static boolean[] slidingLayers(Family family, ConfigReader c, int layers) {
        boolean[] sliding = new boolean[layers];
        if (c.has("layer_types")) {
            JsonNode types = c.node().get("layer_types");
            if (!types.isArray() || types.size() != layers) {
                throw new CocktailException(c.where() + ": layer_types has " + (types.isArray() ? types.size() + " entries" : "no list")
                        + " for " + layers + " layers (num_hidden_layers).");
            }
            for (int i = 0; i < layers; i++) {
                sliding[i] = switch (types.get(i).asText()) {
                    case "sliding_attention" -> true;
                    case "full_attention" -> false;
                    default -> throw new CocktailException(c.where() + ": layer_types[" + i + "] is '" + types.get(i).asText()
                            + "', neither full_attention nor sliding_attention.");
                };
            }
            return sliding;
        }
        int firstWindowLayer = c.nonNegativeInt("max_window_layers", 28);
        int pattern = c.positiveInt("sliding_window_pattern", 6);
        for (int i = 0; i < layers; i++) {
            sliding[i] = switch (family) {
                case QWEN2, QWEN3 -> i >= firstWindowLayer;
                case QWEN2_MOE -> i % 2 == 0 && i < firstWindowLayer;
                case GEMMA2 -> i % 2 == 0;
                case GEMMA3 -> (i + 1) % pattern != 0;
                default -> true;
            };
        }
        return sliding;
    }

    /** The rotary embedding read from `thetaAt` (rope_theta) and `scalingAt` (rope_type or type, may be null). */
    private static Rotary rotary(Family family, ConfigReader thetaAt, ConfigReader scalingAt, double defaultTheta,
                                 int dims, int maxPositions, ConfigReader top) {
        double theta = thetaAt.positiveNumber("rope_theta", defaultTheta);
        return new Rotary(theta, scalingAt == null ? null : ropeScaling(family, scalingAt, dims, maxPositions, top), dims);
    }

    private static RopeScaling ropeScaling(Family family, ConfigReader s, int dims, int maxPositions, ConfigReader top) {
        String type = s.text("rope_type", s.text("type", "default"));
        // Phi3Config renames the legacy names of longrope
        if (family == Family.PHI3 && (type.equals("su") || type.equals("yarn"))) type = "longrope";
        return switch (type) {
            case "default" -> null;
            case "linear", "dynamic" -> new RopeScaling(type, s.positiveNumber("factor"), 0, 0, maxPositions, null, null, 1);
            case "llama3" -> new RopeScaling(type, s.positiveNumber("factor"), s.positiveNumber("low_freq_factor"),
                    s.positiveNumber("high_freq_factor"), s.positiveInt("original_max_position_embeddings"), null, null, 1);
            case "longrope" -> {
                int original = top.has("original_max_position_embeddings") ? top.positiveInt("original_max_position_embeddings")
                        : s.positiveInt("original_max_position_embeddings", maxPositions);
                double factor = s.positiveNumber("factor", (double) maxPositions / original);
                double attention = s.has("attention_factor") ? s.positiveNumber("attention_factor")
                        : factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
                yield new RopeScaling(type, factor, 0, 0, original, s.positiveNumbers("short_factor", dims / 2),
                        s.positiveNumbers("long_factor", dims / 2), attention);
            }
            default -> throw new CocktailException(s.where() + ": rope type '" + type
                    + "' is not supported (default, linear, dynamic, llama3, longrope).");
        };
    }

    /** The sliding window of a layer, 0 when it attends to every earlier key. */
    public int window(int layer) {
        return sliding[layer] ? slidingWindow : 0;
    }

    /** The rotary embedding of a layer: Gemma 3's sliding layers have their own. */
    public Rotary rotary(int layer) {
        return localRope != null && sliding[layer] ? localRope : rope;
    }

    /**
     * Gemma's embedding normalizer sqrt(hidden_size), rounded to the model's dtype as transformers
     * holds it (torch_dtype, else the embeddings' own dtype); 1 for the other families.
     */
    public float embeddingScale(DType embeddings) {
        if (!family.gemma()) return 1f;
        float s = (float) Math.sqrt(hiddenSize);
        return switch (dtype != null ? dtype : embeddings) {
            case BF16 -> Convert.bf16ToF32(Convert.f32ToBf16(s));
            case F16 -> Convert.f16ToF32(Convert.f32ToF16(s));
            default -> s;
        };
    }
}
