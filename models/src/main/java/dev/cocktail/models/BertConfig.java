package dev.cocktail.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cocktail.engine.Architecture;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.ForwardPass;
import dev.cocktail.engine.ModelFamily;

/**
 * The config.json of a BERT-family encoder (model_type bert or xlm-roberta), with transformers'
 * defaults for absent keys.
 *
 * @param robertaPositions position ids counted from padTokenId + 1 over the non-padding ids (XLM-R),
 *                         instead of 0, 1, 2, ... (BERT)
 * @param head             the reranker head of a *ForSequenceClassification architecture, or NONE
 */
public record BertConfig(int hiddenSize, int layers, int heads, int intermediateSize, int vocabSize,
                         int maxPositions, int typeVocabSize, float layerNormEps, boolean robertaPositions,
                         int padTokenId, Head head) {

    /** Which cross-encoder head sits on the encoder's first token; both are out(tanh(dense(h[:,0]))). */
    public enum Head {
        NONE,
        /** BertForSequenceClassification: classifier(tanh(bert.pooler.dense(h[:,0]))). */
        BERT,
        /** XLMRobertaForSequenceClassification: classifier.out_proj(tanh(classifier.dense(h[:,0]))). */
        ROBERTA
    }

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
        boolean roberta = arch.modelType().equals("xlm-roberta");
        int pad = c.nonNegativeInt("pad_token_id", roberta ? 1 : 0);
        int maxPositions = c.positiveInt("max_position_embeddings", 512);
        if (roberta && maxPositions < pad + 2) {
            throw new CocktailException(where + ": max_position_embeddings " + maxPositions + " leaves no position after pad_token_id " + pad
                    + " (RoBERTa positions start at pad_token_id + 1).");
        }
        return new BertConfig(hidden, c.positiveInt("num_hidden_layers"), heads, c.positiveInt("intermediate_size"),
                c.positiveInt("vocab_size"), maxPositions, c.positiveInt("type_vocab_size", 2),
                (float) c.positiveNumber("layer_norm_eps", 1e-12), roberta, pad, head(arch, json, where));
    }

    /**
     * The head of a *ForSequenceClassification architecture. Only num_labels 1 (a relevance logit, as
     * bge-reranker and the ms-marco cross-encoders have) is scored; transformers counts the labels of
     * id2label, else takes num_labels, else 2.
     */
    private static Head head(Architecture arch, ObjectNode json, String where) {
        if (arch.family() != ModelFamily.RERANKER) return Head.NONE;
        Head head = arch.modelType().equals("bert") ? Head.BERT : Head.ROBERTA;
        JsonNode labels = json.get("id2label");
        int n = labels != null && labels.isObject() ? labels.size() : json.path("num_labels").isInt() ? json.get("num_labels").intValue() : 2;
        if (n != 1) {
            throw new CocktailException(where + ": a sequence classifier with " + n
                    + " labels; only rerankers with num_labels 1 (one relevance score per pair) are supported.");
        }
        return head;
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** The longest sequence the position table holds: RoBERTa's first padTokenId + 1 rows are never a real token's. */
    public int maxTokens() {
        return robertaPositions ? maxPositions - padTokenId - 1 : maxPositions;
    }
}
