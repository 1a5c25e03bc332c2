package dev.cocktail.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;
import java.util.Locale;

/**
 * The config.json of a T5-family encoder-decoder (model_type t5 or mt5: T5, T5 v1.1, Flan-T5,
 * mT5), with transformers' defaults for the keys that terse configs (t5-small's) leave out.
 *
 * @param gated               feed_forward_proj "gated-ACT": wo(act(wi_0 h) * wi_1 h), else wo(act(wi h))
 * @param scaleDecoderOutputs the decoder output is multiplied by d_model^-0.5 before the head
 *                            (transformers 5's scale_decoder_outputs, else tie_word_embeddings)
 */
public record T5Config(String modelType, int dModel, int dKv, int heads, int dFf, int encoderLayers, int decoderLayers,
                       int vocabSize, int numBuckets, int maxDistance, float layerNormEps, Activation activation,
                       boolean gated, boolean scaleDecoderOutputs, int decoderStartId, int padId, int eosId) {

    /** The feed-forward activation, by transformers' ACT2FN name. */
    public enum Activation {
        RELU, GELU, GELU_NEW, SILU;

        static Activation parse(String name, String where) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "relu" -> RELU;
                case "gelu" -> GELU;
                case "gelu_new", "gelu_pytorch_tanh" -> GELU_NEW;
                case "silu", "swish" -> SILU;
                default -> throw new CocktailException(where + ": activation '" + name
                        + "' is not supported (relu, gelu, gelu_new, silu).");
            };
        }
    }

    public static T5Config parse(ObjectNode json, String where) {
        ConfigReader c = new ConfigReader(json, where);
        String type = c.text("model_type", null);
        if (Architecture.of(json).forwardPass() != ForwardPass.T5) {
            throw new CocktailException(where + ": model_type '" + type + "' is not a T5 model ("
                    + Architecture.typesRunBy(ForwardPass.T5) + ").");
        }
        // transformers' T5Config: "gated-gelu" is the tanh GELU; any other "[gated-]ACT" is ACT2FN[ACT]
        String proj = c.text("feed_forward_proj", "relu");
        String[] parts = proj.split("-");
        boolean gated = parts.length == 2 && parts[0].equals("gated");
        if (parts.length > 2 || (parts.length == 2 && !gated)) {
            throw new CocktailException(where + ": feed_forward_proj '" + proj + "' is neither ACT nor gated-ACT.");
        }
        Activation act = proj.equals("gated-gelu") ? Activation.GELU_NEW : Activation.parse(parts[parts.length - 1], where);
        int layers = c.positiveInt("num_layers");
        int buckets = c.positiveInt("relative_attention_num_buckets", 32);
        int maxDistance = c.positiveInt("relative_attention_max_distance", 128);
        if (buckets < 4 || maxDistance <= buckets / 4) {
            throw new CocktailException(where + ": relative_attention_num_buckets " + buckets + " and max_distance "
                    + maxDistance + " leave no logarithmic buckets.");
        }
        boolean tied = c.bool("tie_word_embeddings", true);
        int pad = nonNegative(c, "pad_token_id", 0);
        return new T5Config(type, c.positiveInt("d_model"), c.positiveInt("d_kv"), c.positiveInt("num_heads"),
                c.positiveInt("d_ff"), layers, c.positiveInt("num_decoder_layers", layers), c.positiveInt("vocab_size"),
                buckets, maxDistance, (float) c.positiveNumber("layer_norm_epsilon", 1e-6), act, gated,
                c.bool("scale_decoder_outputs", tied), nonNegative(c, "decoder_start_token_id", pad), pad,
                nonNegative(c, "eos_token_id", 1));
    }

    private static int nonNegative(ConfigReader c, String key, int fallback) {
        if (!c.has(key)) return fallback;
        var v = c.node().get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new CocktailException(c.where() + ": '" + key + "' is not a token id.");
        }
        return v.intValue();
    }

    /** Query (and key, value) width of one attention: heads x d_kv, which may differ from d_model. */
    public int innerDim() {
        return heads * dKv;
    }
}
