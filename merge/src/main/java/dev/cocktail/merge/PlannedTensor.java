package dev.cocktail.merge;

import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.TensorSpec;
import java.util.List;

/** One tensor of the output: its name, dtype and shape, its inputs in order, and how they combine. */
public record PlannedTensor(String name, DType dtype, long[] shape, List<Tensor> sources, TensorMerge merge) {

    public TensorSpec spec() {
        return new TensorSpec(name, dtype, shape);
    }

    /** Integer tensors, and copies that keep the dtype, go out as the input's bytes. */
    boolean rawCopy() {
        Tensor first = sources.getFirst();
        return !first.dtype().isFloat() || (merge == TensorMerge.COPY && first.dtype() == dtype);
    }
}
