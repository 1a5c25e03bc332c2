package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Tensor;

/**
 * Where a forward pass finds its weights by name: a checkpoint's memory map, or tensors computed
 * elsewhere (a merge that is scored layer by layer without being written).
 */
public interface TensorSource {

    /** The tensor of that name, or null. */
    Tensor tensor(String name);

    /** The model, for messages. */
    String where();

    /** The tensor of that name, or an error naming the model and the tensor. */
    default Tensor require(String name) {
        Tensor t = tensor(name);
        if (t == null) throw new CocktailException(where() + ": has no tensor '" + name + "'.");
        return t;
    }

    static TensorSource of(Checkpoint checkpoint) {
        return new TensorSource() {
            @Override
            public Tensor tensor(String name) {
                return checkpoint.tensor(name);
            }

            @Override
            public String where() {
                return checkpoint.where().toString();
            }
        };
    }
}
