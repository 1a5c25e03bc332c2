package dev.cocktail.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Room for the raw bytes of one tensor's inputs, kept from a pass over the tensor for the passes
 * after it (ties' cut pass, then its apply pass), so that those read memory instead of the files:
 * each pread copies the page cache's pages once more, and in ties those copies took more CPU than
 * the arithmetic. One buffer for a whole merge, allocated at its final size the first time a tensor
 * keeps its inputs, and reused tensor after tensor (the driver works on one tensor at a time). A
 * tensor whose inputs are larger keeps its first elements only, and reads the rest again.
 */
final class KeptInputs implements AutoCloseable {
    /** At most this many bytes are kept, whatever the models: a larger tensor keeps a part of its inputs. */
    static final long BUDGET = 128 << 20;

    private final long capacity;
    private final Arena arena = Arena.ofShared();
    private MemorySegment bytes;

    /** Room for `capacity` bytes (at most BUDGET), allocated on first use. */
    KeptInputs(long capacity) {
        this.capacity = Math.min(capacity, BUDGET);
    }

    long capacity() {
        return capacity;
    }

    /** The whole room; called by one thread at a time (a pass's caller, before its blocks run). */
    MemorySegment bytes() {
        if (bytes == null) bytes = arena.allocate(Math.max(capacity, 1), 64);
        return bytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
