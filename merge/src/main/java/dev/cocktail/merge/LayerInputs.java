package dev.cocktail.merge;

/**
 * A decoder's forward pass as an MoE's routers need it: the residual stream entering each layer for
 * one sequence of ids, [layers][ids x hidden] (transformers' output_hidden_states without the last
 * entry). Merging runs no forward pass itself: the command line hands it models' Llama.
 */
public interface LayerInputs extends AutoCloseable {
    float[][] of(int[] ids);

    @Override
    void close();
}
