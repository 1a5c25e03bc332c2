package dev.cocktail.merge;

/**
 * How one output tensor is computed from its inputs. Methods that need whole-tensor facts
 * (norms, dot products, magnitude thresholds, rescaling sums) gather them with passes over
 * the inputs through the job, then return the elementwise step.
 */
public interface TensorMerge {
    TensorOp prepare(TensorJob job);

    /** Whether every chunk must hold whole rows (last dimension), for methods that work row by row. */
    default boolean rowWise() {
        return false;
    }

    /** The output is the first input unchanged. */
    TensorMerge COPY = job -> c -> System.arraycopy(c.in[0], 0, c.out, 0, c.n);
}
