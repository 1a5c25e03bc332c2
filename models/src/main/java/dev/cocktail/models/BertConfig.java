package dev.cocktail.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;

/** The config.json of a BERT encoder (model_type bert), with transformers' defaults for absent keys. */
public record BertConfig(int hiddenSize, int layers, int heads, int intermediateSize, int vocabSize,
                         int maxPositions, int typeVocabSize, float layerNormEps) {

    public static BertConfig parse(ObjectNode json, String where) {
        ConfigReader c = new ConfigReader(json, where);
        Architecture arch = Architecture.of(json);
        if (arch.forwardPass() != ForwardPass.BERT) {
            throw new CocktailException(where + ": " + arch.describe() + " is not run by the BERT encoder ("
                    + Architecture.typesRunBy(ForwardPass.BERT) + ").");
        }
        String act = c.text("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw new CocktailException(where + ": hidden_act '" + act + "' is not supported; BERT here uses the exact erf GELU ('gelu').");
        }
        String positions = c.text("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw new CocktailException(where + ": position_embedding_type '" + positions + "' is not supported (absolute).");
        }
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        if (hidden % heads != 0) {
            throw new CocktailException(where + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads + ".");
        }
        return new BertConfig(hidden, c.positiveInt("num_hidden_layers"), heads, c.positiveInt("intermediate_size"),
                c.positiveInt("vocab_size"), c.positiveInt("max_position_embeddings", 512), c.positiveInt("type_vocab_size", 2),
                (float) c.positiveNumber("layer_norm_eps", 1e-12));
    }

    public int headDim() {
        return hiddenSize / heads;
    }
}
