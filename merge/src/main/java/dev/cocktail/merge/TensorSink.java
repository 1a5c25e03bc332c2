package dev.cocktail.merge;

import java.lang.foreign.MemorySegment;

/** Where finished tensors go, in plan order: the checkpoint writer (tests wrap it to fail on purpose). */
@FunctionalInterface
interface TensorSink {
    void write(String name, MemorySegment bytes);
}
