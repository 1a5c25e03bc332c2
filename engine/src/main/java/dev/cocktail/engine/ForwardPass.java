package dev.cocktail.engine;

/** The forward pass (in models) that runs a model type, or NONE where Cocktail only merges it. */
public enum ForwardPass {
    /** models.Llama: the Llama-family causal LM. */
    LLAMA,
    /** models.Bert: the BERT encoder. */
    BERT,
    NONE
}
