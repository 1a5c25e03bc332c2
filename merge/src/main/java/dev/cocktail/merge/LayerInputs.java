package dev.cocktail.merge;

import java.util.function.Function;

/**
 * A decoder's forward pass as an MoE's routers need it: the residual stream entering each layer for
 * one sequence of ids, [layers][ids x hidden] (transformers' output_hidden_states without the last
 * entry). Merging runs no forward pass itself: the command line hands it models' Llama.
 */
public interface LayerInputs extends AutoCloseable {
    float[][] of(int[] ids);

    @Override
    void close();

    /** The pass `of`, which `close` releases (a model's layerInputs and close). */
    static LayerInputs of(Function<int[], float[][]> of, Runnable close) {
        return new LayerInputs() {
            @Override
            public float[][] of(int[] ids) {
                return of.apply(ids);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
