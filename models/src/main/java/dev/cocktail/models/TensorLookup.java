package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.util.Arrays;

/** Looks tensors up in a checkpoint, checking shape and dtype, with messages naming the model and the tensor. */
record TensorLookup(Checkpoint checkpoint, String prefix) {

    /** A matrix or vector of exactly that shape in F32, BF16 or F16, kept in the memory map. */
    Tensor require(String name, long... shape) {
        Tensor t = checkpoint.require(prefix + name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CocktailException(checkpoint.where() + ": tensor '" + t.name() + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(shape) + " from config.json.");
        }
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
            throw new CocktailException(checkpoint.where() + ": tensor '" + t.name() + "' is " + t.dtype()
                    + "; forward passes need F32, BF16 or F16.");
        }
        return t;
    }

    /** A vector (norm weight, bias) of that length, widened to F32 once: it is small and read for every row. */
    float[] vector(String name, int length) {
        Tensor t = require(name, length);
        float[] v = new float[length];
        t.toF32(0, v, 0, length);
        return v;
    }

    boolean has(String name) {
        return checkpoint.tensor(prefix + name) != null;
    }
}
