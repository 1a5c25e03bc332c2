package dev.cocktail.merge;

import java.lang.foreign.MemorySegment;

/**
 * Where finished tensors go, in plan order, a tensor in one or more consecutive slices: the checkpoint
 * writer (tests wrap it to fail on purpose; a benchmark of the arithmetic alone takes the bytes itself).
 */
@FunctionalInterface
public interface TensorSink {
    void write(String name, MemorySegment bytes);
}
