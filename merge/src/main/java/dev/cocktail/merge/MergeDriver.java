package dev.cocktail.merge;

import dev.cocktail.engine.CheckpointWriter;
import dev.cocktail.engine.OutputDir;
import dev.cocktail.engine.Progress;
import dev.cocktail.engine.Tensor;
import dev.cocktail.engine.Threads;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Runs a merge plan as a stream: each output tensor is computed chunk by chunk on a fixed pool
 * (its inputs read with pread into per-worker buffers, never mapped in), narrowed slice by slice
 * (16 MB at a time) into off-heap buffers, and handed to a writer thread that writes them in plan
 * order while the next slice is computed. At most two buffers exist at a time, and a tensor copied
 * raw from an input's map releases its pages once written, so memory stays constant whatever the
 * models' size and count, and the disk is kept busy from the first slice to the last. Everything
 * goes into a staging directory that is renamed into place only when complete.
 */
public final class MergeDriver {
    private MergeDriver() {}

    /** Buffers in flight: one being computed, one being written. */
    private static final int BUFFERS = 2;
    /** Output bytes computed and handed to the writer at a time (at least one chunk). */
    private static final long SLICE = 16 << 20;

    public static void run(MergeJob job, Progress progress) {
        run(job, progress, UnaryOperator.identity());
    }

    static void run(MergeJob job, Progress progress, UnaryOperator<TensorSink> wrapSink) {
        try (OutputDir out = OutputDir.create(job.output().dir(), job.output().force(), job.inputs());
             CheckpointWriter writer = out.open(() -> CheckpointWriter.create(out.staging(),
                     job.plan().stream().map(PlannedTensor::spec).toList(), job.output().shardSize()))) {
            // the model card's hashes, when asked for, are computed alongside the merge, from the same page cache
            CompletableFuture<List<List<ModelCard.WeightsFile>>> weights = CompletableFuture.supplyAsync(
                    () -> job.files().card().weightsFiles(job.output().hashInputs()),
                    r -> Thread.ofPlatform().name("cocktail-hash").daemon().start(r));
            // every write goes through the output's guard, so that a signal's cleanup never races one
            stream(job, progress, wrapSink.apply((name, bytes) -> out.write(() -> writer.write(name, bytes))));
            List<List<ModelCard.WeightsFile>> hashed = join(weights);
            out.write(() -> {
                writer.finish();
                job.files().write(out.staging(), hashed);
            });
            out.commit();
        }
    }

    /**
     * Computes every tensor of the job's plan and hands its bytes, slice by slice in plan order, to
     * `sink` on the writer thread; only the plan, the seed and the LoRA inputs of the job are used.
     */
    static void stream(MergeJob job, Progress progress, TensorSink sink) {
        int threads = Threads.count();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cocktail-merge");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<Chunk> scratch = ThreadLocal.withInitial(Chunk::new);
        try {
            long total = job.plan().stream().mapToLong(p -> p.spec().byteSize()).sum();
            long largest = job.plan().stream().filter(p -> !p.rawCopy()).mapToLong(MergeDriver::sliceBytes).max().orElse(0);
            progress.start("merging", total, "B");
            Writer w = new Writer(sink, progress);
            Thread wt = Thread.ofPlatform().name("cocktail-writer").start(w);
            try {
                for (PlannedTensor p : job.plan()) {
                    List<LoraInput> lora = p.sources().stream().map(job.lora()).toList();
                    if (p.rawCopy() && lora.getFirst() == null) {
                        w.permits.acquire();
                        w.check();
                        w.queue.put(new Item(p, p.sources().getFirst().data(), null));
                        continue;
                    }
                    TensorJob tj = new TensorJob(p.name(), p.sources(), lora, p.shape(), p.merge().rowWise(), job.seed(),
                            pool, scratch);
                    TensorOp op = p.merge().prepare(tj);
                    int step = sliceChunks(p), first = 0;
                    do { // once at least: a tensor of no elements is still written (empty)
                        int last = Math.min(tj.chunks(), first + step);
                        w.permits.acquire();
                        w.check();
                        MemorySegment buf = w.buffer(largest);
                        try {
                            w.queue.put(new Item(p, tj.write(op, p.dtype(), buf, first, last), buf));
                        } catch (RuntimeException | InterruptedException e) {
                            w.free.add(buf);
                            throw e;
                        }
                        first = last;
                    } while (first < tj.chunks());
                    if (tj.nonFiniteInput()) {
                        progress.warn("an input's " + p.name() + " holds NaN or infinity, and so does the merged one"
                                + " (cocktail inspect --check MODEL lists them).");
                    }
                }
                w.queue.put(Item.END);
                wt.join();
                w.check();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("merge interrupted", e);
            } finally {
                if (wt.isAlive()) {
                    wt.interrupt();
                    joinQuietly(wt);
                }
                w.drain();
                progress.finish();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** How many chunks of p make a slice. */
    private static int sliceChunks(PlannedTensor p) {
        return (int) Math.max(1, SLICE / chunkBytes(p));
    }

    /** The largest slice of p, in bytes. */
    private static long sliceBytes(PlannedTensor p) {
        return Math.min(p.spec().byteSize(), sliceChunks(p) * chunkBytes(p));
    }

    private static long chunkBytes(PlannedTensor p) {
        return (long) TensorJob.chunkLength(p.shape(), p.merge().rowWise()) * p.dtype().byteSize();
    }

    /** The pages of a raw copy's input leave our resident set once written (they stay in the page cache). */
    private static void release(PlannedTensor p) {
        for (Tensor t : p.sources()) if (t.data().isMapped()) t.data().unload();
    }

    /** A tensor or a slice of one to write: a view of a pooled buffer, or (raw copies, pool null) the input's own bytes. */
    private record Item(PlannedTensor tensor, MemorySegment bytes, MemorySegment pool) {
        static final Item END = new Item(null, null, null);
    }

    /**
     * Writes tensors in the order they arrive; the first failure is kept for the computing thread.
     * Output buffers are pooled (BUFFERS of them, each of the largest slice), so no slice pays
     * for fresh zeroed memory.
     */
    private static final class Writer implements Runnable {
        /**
         * Unbounded: the permits already bound what is in flight, and a put must never wait on a
         * writer that has failed and stopped taking (a failure on the last slices used to leave the
         * final END put blocked forever on a full queue).
         */
        final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
        final Semaphore permits = new Semaphore(BUFFERS);
        final java.util.concurrent.ConcurrentLinkedQueue<MemorySegment> free = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final Arena arena = Arena.ofShared();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final TensorSink sink;
        private final Progress progress;

        Writer(TensorSink sink, Progress progress) {
            this.sink = sink;
            this.progress = progress;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Item it = queue.take();
                    if (it == Item.END) return;
                    try {
                        sink.write(it.tensor().name(), it.bytes());
                        if (it.pool() == null) release(it.tensor());
                        progress.advance(it.bytes().byteSize());
                    } finally {
                        if (it.pool() != null) free.add(it.pool());
                        permits.release();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) { // an Error too (a fault reading a truncated input's map): dying silently left the merge waiting forever
                failure.set(e);
                permits.release(BUFFERS); // never leave the computing thread waiting for a buffer
            }
        }

        void check() {
            switch (failure.get()) {
                case null -> { }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                case Throwable e -> throw new IllegalStateException(e);
            }
        }

        /** A pooled buffer of `size` bytes, the largest slice (the caller holds a permit). */
        MemorySegment buffer(long size) {
            MemorySegment b = free.poll();
            return b != null ? b : arena.allocate(Math.max(size, 1), 64);
        }

        /** Frees every buffer, once the writer thread is gone. */
        void drain() {
            queue.clear();
            free.clear();
            arena.close();
        }
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
