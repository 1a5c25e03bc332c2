package dev.cocktail.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of threads, one per core, that share out the tasks of one job at a time.
 * The calling thread is worker 0 and works too; workers wait between jobs. Each worker has a
 * number, so callers can give it its own scratch memory.
 * Decoding sends a job every few tens of microseconds (a token is about a hundred of them), and
 * waking a sleeping thread takes about as long, so a thread that waits (a worker for the next job,
 * the caller for the workers) first polls for SPIN_NANOS and only then sleeps on the monitor.
 * The caller takes a job's tasks from the front and the workers from the end: a decoding product's
 * parts are neighbouring runs of weights, and the two cores streaming from far apart in the matrix
 * read it faster than both taking the next part from one counter (measured, bench/RESULTS.md).
 */
final class WorkerPool {
    interface Body {
        void run(int task, int worker);
    }

    private static final long SPIN_NANOS = 50_000;

    private final int size;
    private final ReentrantLock oneJobAtATime = new ReentrantLock();
    /** The tasks not yet taken, [front, end), as end << 32 | front. */
    private final AtomicLong untaken = new AtomicLong();
    private final AtomicInteger busyWorkers = new AtomicInteger();
    // written before generation is raised, read after it is seen
    private Body body;
    private volatile long generation;
    // guarded by this
    private Throwable failure;

    WorkerPool(int size) {
        this.size = size;
        for (int i = 1; i < size; i++) {
            int worker = i;
            Thread t = new Thread(() -> workerLoop(worker), "cocktail-kernels-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    int size() {
        return size;
    }

    /** Runs body for every task in [0, tasks) across the workers and returns when all are done. */
    void run(int tasks, Body body) {
        if (tasks == 1 || size == 1) {
            for (int t = 0; t < tasks; t++) body.run(t, 0);
            return;
        }
        oneJobAtATime.lock();
        try {
            this.body = body;
            untaken.set((long) tasks << 32);
            busyWorkers.set(size - 1);
            synchronized (this) {
                failure = null;
                generation++;
                notifyAll();
            }
            Throwable mine = drain(body, 0);
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (busyWorkers.get() > 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            synchronized (this) {
                boolean interrupted = false;
                while (busyWorkers.get() > 0) interrupted |= await();
                if (interrupted) Thread.currentThread().interrupt();
                this.body = null;
                Throwable first = mine != null ? mine : failure;
                if (first instanceof RuntimeException e) throw e;
                if (first instanceof Error e) throw e;
            }
        } finally {
            oneJobAtATime.unlock();
        }
    }

    private Throwable drain(Body body, int worker) {
        try {
            for (int t; (t = take(worker == 0)) >= 0; ) body.run(t, worker);
            return null;
        } catch (Throwable e) {
            untaken.set(0); // the others stop taking tasks
            return e;
        }
    }

    /** The next task from the front (the caller) or from the end (the workers); -1 when none is left. */
    private int take(boolean front) {
        while (true) {
            long now = untaken.get();
            int first = (int) now, end = (int) (now >>> 32);
            if (first >= end) return -1;
            if (untaken.compareAndSet(now, front ? now + 1 : now - (1L << 32))) return front ? first : end - 1;
        }
    }

    private void workerLoop(int worker) {
        long seen = 0;
        while (true) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && System.nanoTime() < deadline) Thread.onSpinWait();
            if (generation == seen) {
                synchronized (this) {
                    while (generation == seen) await(); // nobody interrupts these threads
                }
            }
            seen = generation;
            Throwable e = drain(body, worker);
            if (e != null) {
                synchronized (this) {
                    if (failure == null) failure = e;
                }
            }
            if (busyWorkers.decrementAndGet() == 0) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }
    }

    /** Waits on this monitor; true when interrupted (the wait is then over, the flag cleared). */
    private boolean await() {
        try {
            wait();
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }
}
