package dev.cocktail.engine;

/** The forward pass (in models) that runs a model type, or NONE where Cocktail only merges it. */
public enum ForwardPass {
    /** models.Llama: the Llama-style causal LMs (Llama, Mistral, Qwen2/3, Gemma 2/3, Phi-3, Mixtral). */
    LLAMA,
    /** models.Bert: the BERT encoder (XLM-RoBERTa's too), and models.Reranker on it. */
    BERT,
    /** models.T5: the T5 encoder-decoder. */
    T5,
    NONE
}
