package dev.cocktail.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of threads, one per core, that share out the tasks of one job at a time.
 * The calling thread is worker 0 and works too; workers wait between jobs. Each worker has a
 * number, so callers can give it its own scratch memory.
 */
final class WorkerPool {
    interface Body {
        void run(int task, int worker);
    }

    private final int size;
    private final ReentrantLock oneJobAtATime = new ReentrantLock();
    private final AtomicInteger nextTask = new AtomicInteger();
    // guarded by this
    private Body body;
    private int tasks;
    private long generation;
    private int busyWorkers;
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
            synchronized (this) {
                this.body = body;
                this.tasks = tasks;
                this.failure = null;
                nextTask.set(0);
                busyWorkers = size - 1;
                generation++;
                notifyAll();
            }
            Throwable mine = drain(body, tasks, 0);
            synchronized (this) {
                boolean interrupted = false;
                while (busyWorkers > 0) interrupted |= await();
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

    private Throwable drain(Body body, int tasks, int worker) {
        try {
            for (int t; (t = nextTask.getAndIncrement()) < tasks; ) body.run(t, worker);
            return null;
        } catch (Throwable e) {
            nextTask.set(tasks); // the others stop taking tasks
            return e;
        }
    }

    private void workerLoop(int worker) {
        long seen = 0;
        while (true) {
            Body b;
            int n;
            synchronized (this) {
                while (generation == seen) await(); // nobody interrupts these threads
                seen = generation;
                b = body;
                n = tasks;
            }
            Throwable e = drain(b, n, worker);
            synchronized (this) {
                if (e != null && failure == null) failure = e;
                if (--busyWorkers == 0) notifyAll();
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
