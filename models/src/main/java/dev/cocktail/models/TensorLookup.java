package dev.cocktail.models;

import dev.cocktail.engine.Checkpoint;
import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.util.Arrays;

/**
 * Looks tensors up in a checkpoint (or another source of named tensors, such as a merge computed in
 * memory), checking shape and dtype, with messages naming the model and the tensor.
 */
record TensorLookup(TensorSource checkpoint, String prefix) {

    TensorLookup(Checkpoint checkpoint, String prefix) {
        this(TensorSource.of(checkpoint), prefix);
    }

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

    /**
     * The consecutive row blocks of a fused matrix [sum(rows) x cols] (Phi-3's qkv_proj, gate_up_proj)
     * as matrices of their own, views of the same memory.
     */
    Tensor[] split(String name, long cols, long... rows) {
        Tensor t = checkpoint.require(prefix + name);
        long total = Arrays.stream(rows).sum();
        if (t.rank() != 2 || t.shape()[0] != total || t.shape()[1] != cols) {
            throw new CocktailException(checkpoint.where() + ": fused tensor '" + t.name() + "' has shape " + t.shapeString()
                    + ", but its parts " + Arrays.toString(rows) + " from config.json add up to [" + total + ", " + cols + "].");
        }
        require(name, total, cols);
        Tensor[] parts = new Tensor[rows.length];
        long bytesPerRow = cols * t.dtype().byteSize(), at = 0;
        for (int i = 0; i < rows.length; i++) {
            long from = at * bytesPerRow, size = rows[i] * bytesPerRow;
            parts[i] = new Tensor(t.name() + "[" + at + ":" + (at + rows[i]) + "]", t.dtype(), new long[] {rows[i], cols},
                    t.data().asSlice(from, size), t.file(), t.position() + from);
            at += rows[i];
        }
        return parts;
    }

    boolean has(String name) {
        return checkpoint.tensor(prefix + name) != null;
    }
}
