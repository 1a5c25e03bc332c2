package dev.cocktail.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The table of architectures: what a config.json's model_type (and, for rerankers, its
 * architectures) is, and what Cocktail does with it. A model type not in the table is of family
 * OTHER: every merge still works on it by tensor names, nothing scores it.
 *
 * @param modelType            config.json's model_type
 * @param head                 a class in config.json's architectures that selects this row over the
 *                             plain model type's (the sequence-classification rerankers), or null
 * @param forwardPass          the forward pass that scores it; NONE: merge only, for now or for good
 * @param sentenceTransformers whether a merged copy gets sentence-transformers files (LM-Cocktail saves embedders so)
 * @param tensors              which weights are embeddings, per layer, or final
 */
public record Architecture(String modelType, String head, ModelFamily family, ForwardPass forwardPass,
                           boolean sentenceTransformers, TensorNames tensors) {

    /**
     * How an architecture names its weights: per-layer names match `layer` (group 1 the prefix up
     * to the index, group 2 the layer index, group 3 the rest); of the others, those `embedding`
     * accepts come before the layers and the rest (final norm, head, pooler) after them.
     */
    public record TensorNames(Pattern layer, Predicate<String> embedding) {
        /** `model.layers.N.`, `encoder.layer.N.` and the like; embeddings are named so. */
        public static final TensorNames LAYERS = new TensorNames(Pattern.compile("^(.*?\\.layers?\\.)(\\d+)\\.(.+)$"),
                name -> name.contains("embed"));
        /** T5's `encoder.block.N.` and `decoder.block.N.`; the shared embedding matrix is `shared`. */
        public static final TensorNames BLOCKS = new TensorNames(Pattern.compile("^(.*?\\.block\\.)(\\d+)\\.(.+)$"),
                name -> name.contains("embed") || name.startsWith("shared."));

        /** The layer a weight belongs to, or null for one outside the layers. */
        public LayerTensor layerOf(String name) {
            Matcher m = layer.matcher(name);
            return m.matches() ? new LayerTensor(m.group(1), Integer.parseInt(m.group(2)), m.group(3)) : null;
        }

        /** Whether a weight outside the layers comes before them. */
        public boolean isEmbedding(String name) {
            return embedding.test(name);
        }
    }

    /** A per-layer weight's name: prefix, layer index, rest (`model.layers.` 3 `mlp.up_proj.weight`). */
    public record LayerTensor(String prefix, int index, String rest) {
        /** The same weight's name in layer i. */
        public String inLayer(int i) {
            return prefix + i + "." + rest;
        }
    }

    private static final List<Architecture> TABLE = List.of(
            row("llama", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("mistral", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("qwen2", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("qwen3", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("gemma2", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("gemma3_text", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("phi3", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("mixtral", ModelFamily.DECODER, ForwardPass.LLAMA),
            row("qwen2_moe", ModelFamily.DECODER, ForwardPass.LLAMA),
            reranker("bert", "BertForSequenceClassification", ForwardPass.BERT),
            reranker("xlm-roberta", "XLMRobertaForSequenceClassification", ForwardPass.BERT),
            row("bert", ModelFamily.ENCODER, ForwardPass.BERT),
            row("xlm-roberta", ModelFamily.ENCODER, ForwardPass.BERT),
            // embedders LM-Cocktail saves as sentence-transformers models; merged, never scored here
            row("roberta", ModelFamily.ENCODER, ForwardPass.NONE),
            row("distilbert", ModelFamily.ENCODER, ForwardPass.NONE),
            row("electra", ModelFamily.ENCODER, ForwardPass.NONE),
            row("mpnet", ModelFamily.ENCODER, ForwardPass.NONE),
            row("deberta", ModelFamily.ENCODER, ForwardPass.NONE),
            row("deberta-v2", ModelFamily.ENCODER, ForwardPass.NONE),
            row("camembert", ModelFamily.ENCODER, ForwardPass.NONE),
            row("ernie", ModelFamily.ENCODER, ForwardPass.NONE),
            row("nomic_bert", ModelFamily.ENCODER, ForwardPass.NONE),
            row("new", ModelFamily.ENCODER, ForwardPass.NONE),
            new Architecture("t5", null, ModelFamily.ENCODER_DECODER, ForwardPass.T5, false, TensorNames.BLOCKS),
            new Architecture("mt5", null, ModelFamily.ENCODER_DECODER, ForwardPass.T5, false, TensorNames.BLOCKS));

    private static Architecture row(String type, ModelFamily family, ForwardPass pass) {
        return new Architecture(type, null, family, pass, family == ModelFamily.ENCODER, TensorNames.LAYERS);
    }

    private static Architecture reranker(String type, String head, ForwardPass pass) {
        return new Architecture(type, head, ModelFamily.RERANKER, pass, false, TensorNames.LAYERS);
    }

    /** The row of a config.json; a model type not in the table gets family OTHER and generic tensor names. */
    public static Architecture of(ObjectNode config) {
        String type = config.path("model_type").asText("");
        List<String> heads = new java.util.ArrayList<>();
        for (JsonNode h : config.path("architectures")) if (h.isTextual()) heads.add(h.textValue());
        for (Architecture a : TABLE) {
            if (a.modelType.equals(type) && (a.head == null || heads.contains(a.head))) return a;
        }
        return other(type);
    }

    /** A model type outside the table (or a model without config.json: ""). */
    static Architecture other(String type) {
        return new Architecture(type, null, ModelFamily.OTHER, ForwardPass.NONE, false, TensorNames.LAYERS);
    }

    /** The model types a forward pass runs, in table order: "llama, mistral, qwen2". */
    public static String typesRunBy(ForwardPass pass) {
        return TABLE.stream().filter(a -> a.forwardPass == pass && a.head == null).map(Architecture::modelType)
                .distinct().collect(Collectors.joining(", "));
    }

    /** What can be scored, by family: "llama, mistral, qwen2 (decoder); bert (encoder)". */
    public static String scorable() {
        Map<ModelFamily, String> byFamily = TABLE.stream().filter(a -> a.forwardPass != ForwardPass.NONE)
                .collect(Collectors.groupingBy(Architecture::family, () -> new java.util.EnumMap<>(ModelFamily.class),
                        Collectors.mapping(Architecture::name, Collectors.joining(", "))));
        return byFamily.entrySet().stream().map(e -> e.getValue() + " (" + e.getKey().label() + ")")
                .collect(Collectors.joining("; "));
    }

    /** The model type, or the reranker head that selects the row. */
    public String name() {
        return head != null ? head : modelType;
    }

    /** "model_type 'qwen3' (decoder)", "BertForSequenceClassification (cross-encoder reranker)", "model_type 'gpt2'". */
    public String describe() {
        if (family == ModelFamily.OTHER) return "model_type '" + modelType + "'";
        return (head != null ? head : "model_type '" + modelType + "'") + " (" + family.label() + ")";
    }

    /**
     * An error for a model nothing here scores: one the table knows but whose forward pass is
     * not written, or one the table does not know.
     */
    public CocktailException cannotScore(String where) {
        String why = family == ModelFamily.OTHER
                ? " is not in the table of architectures: it merges by tensor names, but cannot be scored"
                : " has no forward pass here yet: it merges, but cannot be scored";
        return new CocktailException(where + ": " + describe() + why + "; scoring works for " + scorable() + ".");
    }
}
