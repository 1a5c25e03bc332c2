package dev.cocktail.merge;

import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.Threads;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongFunction;

/**
 * Planned tensors computed one at a time into memory instead of a file: the same TensorJob passes,
 * chunks and narrowing to the output dtype as MergeDriver, so each tensor holds exactly the bytes
 * that MergePlan.write would write. A search scores candidates this way without writing them.
 */
public final class ScratchMerge implements AutoCloseable {
    private final ExecutorService pool;
    private final ThreadLocal<Chunk> scratch = ThreadLocal.withInitial(Chunk::new);

    public ScratchMerge() {
        pool = Executors.newFixedThreadPool(Threads.count(), r -> {
            Thread t = new Thread(r, "cocktail-merge");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Tensor p of a plan whose random methods use `seed` (MergePlan.seed, 0 when null), in p's dtype
     * and shape: an input's own tensor when p copies it raw, else the merged bytes in memory that
     * `memory` gives (at least as many bytes as asked for).
     */
    public Tensor compute(PlannedTensor p, long seed, LongFunction<MemorySegment> memory) {
        if (p.rawCopy()) return p.sources().getFirst();
        TensorJob job = new TensorJob(p.name(), p.sources(), p.shape(), p.merge().rowWise(), seed, pool, scratch);
        TensorOp op = p.merge().prepare(job);
        long bytes = p.spec().byteSize();
        MemorySegment out = memory.apply(bytes);
        job.write(op, p.dtype(), out, 0, job.chunks());
        return new Tensor(p.name(), p.dtype(), p.shape(), out.asSlice(0, bytes));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
