package dev.cocktail.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool runs every task of a job exactly once, the caller taking from the front and the workers from the end. */
class WorkerPoolTest {
    @Test
    void everyTaskRunsOnce() {
        for (int threads : new int[] {1, 2, 4}) {
            WorkerPool pool = new WorkerPool(threads);
            for (int tasks = 1; tasks <= 64; tasks++) {
                for (int job = 0; job < 20; job++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                    AtomicIntegerArray byWorker = new AtomicIntegerArray(threads);
                    pool.run(tasks, (task, worker) -> {
                        runs.incrementAndGet(task);
                        byWorker.incrementAndGet(worker);
                    });
                    for (int t = 0; t < tasks; t++) assertEquals(1, runs.get(t), threads + " threads, task " + t + " of " + tasks);
                    int total = 0;
                    for (int w = 0; w < threads; w++) total += byWorker.get(w);
                    assertEquals(tasks, total);
                }
            }
        }
    }

    @Test
    void theCallerTakesFromTheFrontTheWorkerFromTheEnd() {
        WorkerPool pool = new WorkerPool(2);
        CountDownLatch workerStarted = new CountDownLatch(1);
        int[] first = {-1, -1};
        pool.run(8, (task, worker) -> {
            if (first[worker] < 0) first[worker] = task;
            if (worker == 0 && task == 0) {
                try {
                    assertTrue(workerStarted.await(10, TimeUnit.SECONDS), "the worker took no task");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            } else if (worker == 1) {
                workerStarted.countDown();
            }
        });
        assertEquals(0, first[0]);
        assertEquals(7, first[1]);
    }

    @Test
    void aFailingTaskFailsTheJobAndThePoolGoesOn() {
        WorkerPool pool = new WorkerPool(2);
        assertThrows(IllegalStateException.class, () -> pool.run(16, (task, worker) -> {
            if (task == 9) throw new IllegalStateException("task 9");
        }));
        AtomicIntegerArray runs = new AtomicIntegerArray(16);
        pool.run(16, (task, worker) -> runs.incrementAndGet(task));
        for (int t = 0; t < 16; t++) assertEquals(1, runs.get(t));
    }
}
