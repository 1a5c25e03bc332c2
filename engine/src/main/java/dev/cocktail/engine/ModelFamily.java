package dev.cocktail.engine;

/** What kind of network a model type is, which decides how it is scored and what a merged copy gets. */
public enum ModelFamily {
    DECODER("decoder"),
    ENCODER("encoder"),
    RERANKER("cross-encoder reranker"),
    ENCODER_DECODER("encoder-decoder"),
    /** A model type not in the table of architectures: merged by tensor names only. */
    OTHER("other");

    private final String label;

    ModelFamily(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
