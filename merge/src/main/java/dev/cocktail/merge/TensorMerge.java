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

    /**
     * Whether writeWhole can compute a tensor in one go, with the whole output in memory (MergeDriver
     * asks it for tensors within its budget for that): for merges that would otherwise read their
     * inputs in more than one pass.
     */
    default boolean wholeTensor() {
        return false;
    }

    /**
     * The whole output tensor, narrowed to dtype, into dst from its start (only where wholeTensor());
     * whether the inputs were read once, as that is meant to.
     */
    default boolean writeWhole(TensorJob job, dev.cocktail.engine.DType dtype, java.lang.foreign.MemorySegment dst) {
        throw new UnsupportedOperationException("writeWhole");
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
