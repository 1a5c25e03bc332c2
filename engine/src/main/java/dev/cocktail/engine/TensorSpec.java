package dev.cocktail.engine;

import java.util.Arrays;

/** What a tensor to be written will be: its name, dtype and shape. */
public record TensorSpec(String name, DType dtype, long[] shape) {

    public long byteSize() {
        return Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
    }

    public long elementCount() {
        return Tensor.elementCount(shape);
    }

    public boolean sameShape(long[] other) {
        return Arrays.equals(shape, other);
    }
}
