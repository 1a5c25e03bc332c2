package dev.cocktail.models;

/**
 * Weights that are not in a checkpoint but arrive one stage at a time (the embeddings, each layer,
 * the head), so that a forward pass over many examples needs one stage's weights at once: a merge
 * scored without being written computes each stage's tensors when it is opened and frees them when
 * it is closed.
 */
@FunctionalInterface
public interface WeightStages {

    /** Opens a new stage; each is closed before the next is opened. */
    Stage open();

    /** The weights of one stage: alive until closed. */
    interface Stage extends TensorSource, AutoCloseable {
        @Override
        void close();
    }
}
