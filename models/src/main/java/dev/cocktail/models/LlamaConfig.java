package dev.cocktail.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;

/**
 * The config.json of a Llama-family causal LM (model_type llama, mistral or qwen2), with
 * transformers' defaults for absent keys.
 *
 * @param headDim            from config.json when present, else hidden / heads
 * @param attentionBias      q/k/v/o biases (llama attention_bias)
 * @param qkvBias            q/k/v biases without an o bias (qwen2)
 * @param mlpBias            gate/up/down biases (llama mlp_bias)
 * @param slidingWindow      keys further back than this are masked (0: none)
 * @param firstWindowLayer   the first layer the window applies to (qwen2's max_window_layers)
 */
public record LlamaConfig(String modelType, int hiddenSize, int layers, int heads, int kvHeads, int headDim,
                          int intermediateSize, int vocabSize, float rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                          int maxPositions, boolean tieWordEmbeddings, boolean attentionBias, boolean qkvBias,
                          boolean mlpBias, int slidingWindow, int firstWindowLayer) {

    /**
     * rope_scaling: type default, linear (positions / factor), dynamic (NTK base growth past
     * maxPositions) or llama3 (transformers' _compute_llama3_parameters).
     */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositions) {}

    public static LlamaConfig parse(ObjectNode json, String where) {
        ConfigReader c = new ConfigReader(json, where);
        String type = c.text("model_type", null);
        if (type == null) throw new CocktailException(where + ": has no model_type.");
        if (Architecture.of(json).forwardPass() != ForwardPass.LLAMA) {
            throw new CocktailException(where + ": model_type '" + type + "' is not a Llama-family model ("
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

        // transformers 5 folds rope_theta and rope_scaling into rope_parameters
        ConfigReader rope = c.object("rope_parameters");
        ConfigReader scaling = rope != null ? rope : c.object("rope_scaling");
        double theta = (rope != null && rope.has("rope_theta") ? rope : c).positiveNumber("rope_theta", 10000.0);
        RopeScaling ropeScaling = scaling == null ? null : ropeScaling(scaling, maxPositions);

        boolean qwen = type.equals("qwen2");
        int window = 0, firstWindowLayer = 0;
        if (type.equals("mistral") && c.has("sliding_window")) window = c.positiveInt("sliding_window");
        if (qwen && c.bool("use_sliding_window", false) && c.has("sliding_window")) {
            window = c.positiveInt("sliding_window");
            firstWindowLayer = c.has("max_window_layers") ? c.positiveInt("max_window_layers") : 0;
        }
        return new LlamaConfig(type, hidden, layers, heads, kvHeads, headDim,
                c.positiveInt("intermediate_size"), c.positiveInt("vocab_size"),
                (float) c.positiveNumber("rms_norm_eps", 1e-6), theta, ropeScaling, maxPositions,
                c.bool("tie_word_embeddings", false),
                type.equals("llama") && c.bool("attention_bias", false), qwen,
                type.equals("llama") && c.bool("mlp_bias", false), window, firstWindowLayer);
    }

    private static RopeScaling ropeScaling(ConfigReader s, int maxPositions) {
        String type = s.text("rope_type", s.text("type", "default"));
        return switch (type) {
            case "default" -> null;
            case "linear", "dynamic" -> new RopeScaling(type, s.positiveNumber("factor"), 0, 0, maxPositions);
            case "llama3" -> new RopeScaling(type, s.positiveNumber("factor"), s.positiveNumber("low_freq_factor"),
                    s.positiveNumber("high_freq_factor"), s.positiveInt("original_max_position_embeddings"));
            default -> throw new CocktailException(s.where() + ": rope type '" + type
                    + "' is not supported (default, linear, dynamic, llama3).");
        };
    }

    /** The sliding window of a layer, 0 when it attends to every earlier key. */
    public int window(int layer) {
        return layer >= firstWindowLayer ? slidingWindow : 0;
    }
}
