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

    /** A merge whose chunks hold whole rows, each chunk's step built by `prepare`. */
    static TensorMerge byRows(java.util.function.Function<TensorJob, TensorOp> prepare) {
        return new TensorMerge() {
            @Override
            public boolean rowWise() {
                return true;
            }

            @Override
            public TensorOp prepare(TensorJob job) {
                return prepare.apply(job);
            }
        };
    }

    /** The output is the first input unchanged. */
    TensorMerge COPY = job -> c -> System.arraycopy(c.in[0], 0, c.out, 0, c.n);
}
