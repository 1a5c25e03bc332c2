package dev.cocktail.engine.kernels;

import dev.cocktail.engine.CocktailException;
import dev.cocktail.engine.Threads;
import dev.cocktail.engine.Tensor;

/**
 * Kernels on the CPU with the Vector API. Work is split over one persistent pool of a thread per
 * core; each worker has its own scratch, grown when a larger shape comes and then reused, so the
 * hot loops allocate nothing.
 */
final class CpuKernels implements Kernels {
    static final CpuKernels SHARED = new CpuKernels(Threads.count());

    /** Below this many multiply-adds a call runs on the caller's thread: waking workers costs more. */
    private static final long PARALLEL_WORK = 1 << 16;
    /**
     * Bytes of weights in one part of a matvec job: small enough that the last part, which one core
     * streams alone while the other waits, is short; large enough that each part is a long sequential
     * stream for the prefetchers. Smaller matrices still get four parts per worker.
     */
    private static final long MATVEC_PART_BYTES = 1 << 20;

    private final WorkerPool pool;
    private final float[][] weightScratch;
    private final float[][] keyScratch;
    private final float[][] scoreScratch;
    private final byte[][] byteScratch;
    private float[] tokenPanels = new float[0];

    CpuKernels(int threads) {
        pool = new WorkerPool(threads);
        weightScratch = new float[threads][];
        keyScratch = new float[threads][];
        scoreScratch = new float[threads][];
        byteScratch = new byte[threads][];
    }

    @Override
    public void matmul(float[] x, int rows, Tensor w, float[] bias, float[] out) {
        matmul(x, rows, new Tensor[] {w}, new float[][] {bias}, new float[][] {out});
    }

    @Override
    public void matmul(float[] x, int rows, Tensor[] ws, float[][] biases, float[][] outs) {
        if (rows < BATCHED_ROWS) {
            matvec(x, rows, ws, biases, outs);
            return;
        }
        requireMatrices(ws);
        if (rows <= Gemm.FEW_ROWS) {
            fewRows(x, rows, ws, biases, outs);
            return;
        }
        for (int m = 0; m < ws.length; m++) {
            Tensor w = ws[m];
            float[] bias = biases[m], out = outs[m];
            int n = w.dim(0), k = w.dim(1);
            int blockCols = Gemm.blockCols(n, k, pool.size());
            run((long) rows * n * k, (n + blockCols - 1) / blockCols, (task, worker) -> {
                int n0 = task * blockCols, n1 = Math.min(n, n0 + blockCols);
                Gemm.block(x, rows, w, n0, n1, bias, out, scratch(weightScratch, worker, Gemm.scratchFloats(blockCols, k)));
            });
        }
    }

    /**
     * The tokens packed once (a task per panel), then the weight rows of every matrix in blocks, all
     * in one job; one call at a time, for the shared panels.
     */
    private synchronized void fewRows(float[] x, int rows, Tensor[] ws, float[][] biases, float[][] outs) {
        int k = ws[0].dim(1), workers = pool.size(), most = 0;
        int[] firstTask = new int[ws.length + 1];
        long work = 0;
        for (int m = 0; m < ws.length; m++) {
            int n = ws[m].dim(0), cols = Gemm.fewCols(n, workers);
            firstTask[m + 1] = firstTask[m] + (n + cols - 1) / cols;
            most = Math.max(most, cols);
            work += (long) rows * n * k;
        }
        int scratchFloats = Gemm.fewScratchFloats(most, rows, k);
        float[] panels = tokenPanels = grown(tokenPanels, Gemm.tokenFloats(rows, k));
        run(work, Gemm.tokenPanels(rows), (task, worker) -> Gemm.packTokens(x, rows, k, task, panels));
        run(work, firstTask[ws.length], (task, worker) -> {
            int m = 0;
            while (task >= firstTask[m + 1]) m++;
            int n = ws[m].dim(0), cols = Gemm.fewCols(n, workers), n0 = (task - firstTask[m]) * cols, n1 = Math.min(n, n0 + cols);
            Gemm.fewRows(panels, rows, ws[m], n0, n1, biases[m], outs[m], scratch(weightScratch, worker, scratchFloats));
        });
    }

    /** The tasks on the pool, or on this thread when the work is too small to wake the workers for. */
    private void run(long work, int tasks, WorkerPool.Body body) {
        if (work < PARALLEL_WORK) {
            for (int t = 0; t < tasks; t++) body.run(t, 0);
        } else {
            pool.run(tasks, body);
        }
    }

    @Override
    public void matvec(float[] x, int rows, Tensor w, float[] bias, float[] out) {
        matvec(x, rows, new Tensor[] {w}, new float[][] {bias}, new float[][] {out});
    }

    /**
     * The weight rows of all the matrices, in whole MatVec groups, cut into contiguous parts of at most
     * MATVEC_PART_BYTES, taken as they come: one job for the products that share an input.
     */
    @Override
    public void matvec(float[] x, int rows, Tensor[] ws, float[][] biases, float[][] outs) {
        int[] firstGroup = new int[ws.length + 1];
        long work = 0;
        requireMatrices(ws);
        for (int m = 0; m < ws.length; m++) {
            firstGroup[m + 1] = firstGroup[m] + (ws[m].dim(0) + MatVec.GROUP - 1) / MatVec.GROUP;
            work += (long) rows * ws[m].dim(0) * ws[m].dim(1);
        }
        int groups = firstGroup[ws.length];
        long fitting = MATVEC_PART_BYTES / ((long) MatVec.GROUP * ws[0].dim(1) * ws[0].dtype().byteSize());
        int fourPerWorker = (groups + 4 * pool.size() - 1) / (4 * pool.size());
        int perPart = (int) Math.max(1, work < PARALLEL_WORK ? groups : Math.min(fitting, fourPerWorker));
        pool.run((groups + perPart - 1) / perPart, (task, worker) -> {
            int g0 = task * perPart, g1 = Math.min(groups, g0 + perPart);
            for (int m = 0; m < ws.length; m++) {
                int from = Math.max(g0, firstGroup[m]), to = Math.min(g1, firstGroup[m + 1]);
                if (from >= to) continue;
                int n = ws[m].dim(0);
                MatVec.rows(x, rows, ws[m], (from - firstGroup[m]) * MatVec.GROUP, Math.min(n, (to - firstGroup[m]) * MatVec.GROUP),
                        biases[m], outs[m], bytes(worker, MatVec.scratchBytes(ws[m])));
            }
        });
    }

    /** Matrices that all take the same input: each of rank 2, with rows as long as the first's. */
    private static void requireMatrices(Tensor[] ws) {
        for (Tensor w : ws) {
            if (w.rank() != 2) throw new CocktailException("tensor '" + w.name() + "' is not a matrix: " + w.shapeString() + ".");
            if (w.dim(1) != ws[0].dim(1)) {
                throw new CocktailException("tensor '" + w.name() + "' has rows of " + w.dim(1) + ", not the " + ws[0].dim(1) + " of its input.");
            }
        }
    }

    @Override
    public void rmsnorm(float[] x, float[] out, int rows, int dim, float[] weight, float eps) {
        byRows(rows, dim, (from, to) -> Norms.rmsnorm(x, out, from, to, dim, weight, eps));
    }

    @Override
    public void layernorm(float[] x, float[] out, int rows, int dim, float[] weight, float[] bias, float eps) {
        byRows(rows, dim, (from, to) -> Norms.layernorm(x, out, from, to, dim, weight, bias, eps));
    }

    @Override
    public void add(float[] acc, float[] x, int n) {
        byRows(n, 1, (from, to) -> Activations.add(acc, from, x, from, to - from));
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        byRows(n, 1, (from, to) -> Activations.swiglu(gate, up, from, to));
    }

    @Override
    public void gegluTanh(float[] gate, float[] up, int n) {
        byRows(n, 1, (from, to) -> Activations.gegluTanh(gate, up, from, to));
    }

    @Override
    public void geluTanh(float[] x, int n) {
        byRows(n, 1, (from, to) -> Activations.geluTanh(x, from, to));
    }

    @Override
    public void gelu(float[] x, int n) {
        byRows(n, 1, (from, to) -> Activations.gelu(x, from, to));
    }

    @Override
    public void rope(float[] x, int rows, int seqLen, int heads, int headDim, int rotary, float[] cos, float[] sin) {
        byRows(rows, heads * headDim, (from, to) -> Rope.apply(x, from, to, seqLen, heads, headDim, rotary, cos, sin));
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, AttentionShape s) {
        pool.run(s.batch() * s.kvHeads(), (task, worker) -> {
            int b = task / s.kvHeads(), g = task % s.kvHeads();
            AttentionKernel.group(q, k, v, out, s, b, g,
                    scratch(keyScratch, worker, 2 * AttentionKernel.stride(s.keyRows()) * s.headDim()),
                    scratch(scoreScratch, worker, AttentionKernel.QROWS * AttentionKernel.stride(s.keyRows())));
        });
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, BiasedAttention s) {
        pool.run(s.batch() * s.heads(), (task, worker) -> BiasedAttentionKernel.head(q, k, v, out, s, task / s.heads(),
                task % s.heads(), scratch(keyScratch, worker, 2 * AttentionKernel.stride(s.keyRows()) * s.headDim()),
                scratch(scoreScratch, worker, AttentionKernel.QROWS * AttentionKernel.stride(s.keyRows()))));
    }

    @Override
    public void cachedAttention(float[] q, float[] out, int rows, float[][] keys, float[][] values, int stride, int[] positions,
                                AttentionShape s) {
        int tasks = rows * s.kvHeads();
        WorkerPool.Body body = (task, worker) -> {
            int r = task / s.kvHeads();
            CachedAttention.group(q, out, r, task % s.kvHeads(), keys[r], values[r], stride, positions[r], s,
                    scratch(scoreScratch, worker, stride));
        };
        if ((long) rows * s.heads() * s.headDim() * stride < PARALLEL_WORK) {
            for (int t = 0; t < tasks; t++) body.run(t, 0);
        } else {
            pool.run(tasks, body);
        }
    }

    private interface Range {
        void run(int from, int to);
    }

    /** Splits rows of `width` floats into four contiguous ranges per worker (taken as they come) when there is enough work. */
    private void byRows(int rows, int width, Range body) {
        int parts = (long) rows * width < PARALLEL_WORK ? 1 : Math.min(rows, 4 * pool.size());
        pool.run(parts, (task, worker) -> body.run((int) ((long) rows * task / parts), (int) ((long) rows * (task + 1) / parts)));
    }

    /** The worker's byte scratch, at least `size` long. */
    private byte[] bytes(int worker, int size) {
        byte[] a = byteScratch[worker];
        if (a == null || a.length < size) byteScratch[worker] = a = new byte[size];
        return a;
    }

    /** The worker's scratch array of that kind, at least `size` long. */
    private static float[] scratch(float[][] kind, int worker, int size) {
        return kind[worker] = grown(kind[worker], size);
    }

    /** a, or a new array when a is missing or shorter than size. */
    private static float[] grown(float[] a, int size) {
        return a == null || a.length < size ? new float[size] : a;
    }
}
