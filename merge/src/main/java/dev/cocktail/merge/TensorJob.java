package dev.cocktail.merge;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Convert;
import dev.cocktail.engine.DType;
import dev.cocktail.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The work on one output tensor: its inputs cut into chunks, and passes over those chunks run on
 * the merge's fixed pool. Chunks are grouped into at most BLOCKS consecutive blocks; a block runs on
 * one thread, and reductions add the blocks' results in block order, so every result is the same
 * whatever the number of threads. An input that a LoRA adapter changes is computed as it is read.
 */
public final class TensorJob {
    /** Elements per chunk: the inputs' chunks fit in L2 together. */
    static final int CHUNK = 1 << 14;
    static final int BLOCKS = 64;

    private final String name;
    /** The tensors read: the inputs, or what their adapters store in their place. */
    private final List<Tensor> sources;
    /** Per input, its adapter's change and that change's factors, or nulls. */
    private final LoraInput[] lora;
    private final LoraInput.Factors[] factors;
    private final long elements;
    private final int rank;
    private final int cols;
    private final int chunk;
    private final int chunks;
    private final int blockChunks;
    private final long seed;
    private final ExecutorService pool;
    private final ThreadLocal<Chunk> scratch;
    /** Whether an input already held the NaN or infinity that the output got. */
    private volatile boolean nonFiniteInput;

    TensorJob(String name, List<Tensor> inputs, long[] shape, boolean rowWise, long seed, ExecutorService pool,
              ThreadLocal<Chunk> scratch) {
        this(name, inputs, java.util.Collections.nCopies(inputs.size(), null), shape, rowWise, seed, pool, scratch);
    }

    TensorJob(String name, List<Tensor> inputs, List<LoraInput> lora, long[] shape, boolean rowWise, long seed,
              ExecutorService pool, ThreadLocal<Chunk> scratch) {
        this.name = name;
        this.lora = lora.toArray(LoraInput[]::new);
        this.factors = new LoraInput.Factors[inputs.size()];
        List<Tensor> read = new ArrayList<>(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            if (this.lora[i] == null) continue;
            read.set(i, this.lora[i].stored());
            factors[i] = this.lora[i].factors();
        }
        this.sources = read;
        this.elements = Tensor.elementCount(shape);
        this.rank = shape.length;
        this.cols = rowLength(shape);
        this.chunk = chunkLength(shape, rowWise);
        this.chunks = (int) ((elements + chunk - 1) / chunk);
        this.blockChunks = Math.max(1, (chunks + BLOCKS - 1) / BLOCKS);
        this.seed = seed;
        this.pool = pool;
        this.scratch = scratch;
    }

    /** Elements per chunk: CHUNK, or as many whole rows as fit (at least one) for row-wise methods. */
    static int chunkLength(long[] shape, boolean rowWise) {
        int cols = rowLength(shape);
        long c = rowWise ? (long) Math.max(1, CHUNK / Math.max(cols, 1)) * cols : CHUNK;
        return (int) Math.max(1, Math.min(c, Tensor.elementCount(shape)));
    }

    private static int rowLength(long[] shape) {
        return shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
    }

    public String name() {
        return name;
    }

    public int inputs() {
        return sources.size();
    }

    public long elements() {
        return elements;
    }

    /** How many dimensions the tensor has. */
    public int rank() {
        return rank;
    }

    /** The length of a row (the last dimension; the whole tensor for scalars). */
    public int cols() {
        return cols;
    }

    /** How many chunks the tensor is cut into. */
    int chunks() {
        return chunks;
    }

    /** How many blocks a pass over the whole tensor has. */
    int blockCount() {
        return (chunks + blockChunks - 1) / blockChunks;
    }

    /** The calling thread's k-th reusable int array (see Chunk.ints). */
    int[] ints(int k, int length) {
        return scratch.get().ints(k, length);
    }

    /** How many elements a pass's block covers (the last one may have fewer). */
    long blockLength() {
        return (long) blockChunks * chunk;
    }

    /** A pass that adds `width` numbers per chunk into acc. */
    @FunctionalInterface
    public interface Reducer {
        void accumulate(Chunk c, double[] acc);
    }

    /** A pass that counts `width` things per chunk into acc. */
    @FunctionalInterface
    public interface Counter {
        void count(Chunk c, long[] acc);
    }

    /** Sums, over the whole tensor, what r adds per chunk. */
    public double[] reduce(int width, Reducer r) {
        List<double[]> parts = blocks(() -> new double[width], (c, acc) -> r.accumulate(c, acc));
        double[] total = new double[width];
        for (double[] p : parts) for (int i = 0; i < width; i++) total[i] += p[i];
        return total;
    }

    /** Counts, over the whole tensor, what k counts per chunk. */
    public long[] count(int width, Counter k) {
        List<long[]> parts = blocks(() -> new long[width], (c, acc) -> k.count(c, acc));
        long[] total = new long[width];
        for (long[] p : parts) for (int i = 0; i < width; i++) total[i] += p[i];
        return total;
    }

    /** Per chunk, in chunk order, what k counts in it (one number per chunk). */
    public long[] perChunk(Counter k) {
        long[] out = new long[chunks];
        blocks(() -> null, (c, unused) -> {
            long[] one = new long[1];
            k.count(c, one);
            out[c.index] = one[0];
        });
        return out;
    }

    /**
     * A chunk holding `runs` runs of `run` consecutive elements, spread evenly over the tensor (the
     * whole tensor when it is no larger), to estimate elementwise statistics before a pass.
     */
    Chunk sample(int runs, int run) {
        Chunk c = scratch.get();
        int n = (int) Math.min((long) runs * run, elements);
        c.reset(sources.size(), n, name, seed);
        c.n = n;
        if (n == elements) {
            runs = 1;
            run = n;
        }
        long stride = elements / runs;
        int runLength = run, parts = Math.min(runs, 2); // each input's runs in two halves, so that no worker idles
        List<Callable<Void>> reads = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            for (int p = 0; p < parts; p++) {
                Tensor t = sources.get(i);
                int input = i, first = runs * p / parts, last = runs * (p + 1) / parts;
                reads.add(() -> {
                    MemorySegment raw = scratch.get().raw(input, (long) runLength * t.dtype().byteSize());
                    // read, not touched through the mapping: a touch maps the whole page-cache folio
                    // around it (up to 2 MB), so 256 runs would map most of the tensor
                    for (int r = first; r < last; r++) {
                        t.read(r * stride, runLength, raw);
                        widen(input, raw, 0, c.in[input], r * runLength, r * stride, runLength);
                    }
                    return null;
                });
            }
        }
        parallel(reads); // a few hundred small reads per input, on the pool rather than one thread
        return c;
    }

    /**
     * The final pass over chunks [first, last): op's output, narrowed to dtype into dst from its
     * start; the part of dst written.
     */
    MemorySegment write(TensorOp op, DType dtype, MemorySegment dst, int first, int last) {
        long size = dtype.byteSize(), start = (long) first * chunk;
        blocks(first, last, () -> null, (c, unused) -> {
            op.apply(c);
            if (!MergeKernels.allFinite(c.out, c.n)) nonFinite(c);
            Convert.fromF32(c.out, 0, c.n, dtype, dst, (c.from - start) * size);
        }, true);
        return dst.asSlice(0, (Math.min(elements, (long) last * chunk) - start) * size);
    }

    /** Whether an input of this tensor held NaN or infinity, which went into the output as it was. */
    boolean nonFiniteInput() {
        return nonFiniteInput;
    }

    /**
     * A chunk of output that is not finite: kept when an input chunk already was (it is reported),
     * else the merge stops, naming the tensor. The inputs are read again (the op may have
     * overwritten its copies); this happens only on the way to a failure or a warning.
     */
    private void nonFinite(Chunk c) {
        float[] in = new float[c.n];
        for (int i = 0; i < sources.size(); i++) {
            Tensor t = sources.get(i);
            MemorySegment raw = MemorySegment.ofArray(new byte[c.n * t.dtype().byteSize()]);
            t.read(c.from, c.n, raw);
            widen(i, raw, 0, in, 0, c.from, c.n);
            if (!MergeKernels.allFinite(in, c.n)) {
                nonFiniteInput = true;
                return;
            }
        }
        int at = 0;
        while (Float.isFinite(c.out[at])) at++;
        throw new CocktailException("merging " + name + " gives " + c.out[at] + " at element " + (c.from + at)
                + " from finite inputs: the weights or parameters overflow float32 there; choose smaller ones.");
    }

    /**
     * Input i's elements [from, from + n), whose bytes raw holds from offset, widened into
     * dst[pos..] and changed as its LoRA adapter changes them.
     */
    private void widen(int i, MemorySegment raw, long offset, float[] dst, int pos, long from, int n) {
        Convert.toF32(sources.get(i).dtype(), raw, offset, dst, pos, n);
        if (lora[i] != null) lora[i].apply(factors[i], dst, pos, from, n, scratch.get().row(cols));
    }

    /** A pass's step on one chunk, with its block's own accumulator. */
    interface BlockStep<A> {
        void run(Chunk c, A acc);
    }

    /** Runs step over every chunk, each block with a fresh accumulator; the accumulators in block order. */
    <A> List<A> blocks(java.util.function.Supplier<A> newAcc, BlockStep<A> step) {
        return blocks(0, chunks, newAcc, step, true);
    }

    /**
     * The same with the inputs left as read: c.in is not filled, and step reads input i's bytes
     * from c.bytes(i) (see Chunk.at), which saves a pass that widens only to be read once.
     */
    <A> List<A> unwidenedBlocks(java.util.function.Supplier<A> newAcc, BlockStep<A> step) {
        return blocks(0, chunks, newAcc, step, false);
    }

    /** Whether input i's bytes are BF16 values that its chunks hold as read (no LoRA adapter changes them). */
    boolean plainBf16(int i) {
        return sources.get(i).dtype() == DType.BF16 && lora[i] == null;
    }

    /** The same over chunks [from, to), in blocks of the tensor's block length. */
    private <A> List<A> blocks(int from, int to, java.util.function.Supplier<A> newAcc, BlockStep<A> step, boolean widen) {
        int blocks = (to - from + blockChunks - 1) / blockChunks;
        List<Callable<A>> tasks = new ArrayList<>(blocks);
        for (int b = 0; b < blocks; b++) {
            int first = from + b * blockChunks, last = Math.min(to, first + blockChunks);
            tasks.add(() -> {
                A acc = newAcc.get();
                Chunk c = scratch.get();
                c.reset(sources.size(), chunk, name, seed);
                // the block's bytes of each input, read in one go (see Tensor.read)
                long start = (long) first * chunk, end = Math.min(elements, (long) last * chunk);
                MemorySegment[] raw = new MemorySegment[sources.size()];
                for (int i = 0; i < sources.size(); i++) {
                    Tensor t = sources.get(i);
                    raw[i] = c.raw(i, (end - start) * t.dtype().byteSize());
                    t.read(start, end - start, raw[i]);
                }
                for (int k = first; k < last; k++) {
                    c.index = k;
                    c.from = (long) k * chunk;
                    c.n = (int) Math.min(chunk, elements - c.from);
                    c.at = c.from - start;
                    for (int i = 0; widen && i < sources.size(); i++) {
                        widen(i, raw[i], c.at * sources.get(i).dtype().byteSize(), c.in[i], 0, c.from, c.n);
                    }
                    step.run(c, acc);
                }
                return acc;
            });
        }
        return parallel(tasks);
    }

    /**
     * Runs independent tasks on the merge's pool and returns their results in order. A task must
     * not use the pool itself (a pass, say): with every worker waiting on it, it would never run.
     */
    <T> List<T> parallel(List<Callable<T>> tasks) {
        try {
            List<Future<T>> futures = pool.invokeAll(tasks);
            List<T> out = new ArrayList<>(tasks.size());
            for (Future<T> f : futures) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("merge interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
