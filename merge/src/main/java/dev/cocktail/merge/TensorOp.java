package dev.cocktail.merge;

/** The elementwise step of a merge: fills c.out[0..c.n) from the chunk's inputs (which it may overwrite). */
@FunctionalInterface
public interface TensorOp {
    void apply(Chunk c);
}
