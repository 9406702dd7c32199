package dev.imagesize.admission;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that answer reviews, behind a bounded queue. When every worker is busy and the queue is full, a review
 * goes to a small overload pool that answers without registry lookups; when that is full too, the caller answers it
 * at once. Nothing waits without bound, and no queue holds more bodies than it was given room for.
 */
final class AdmissionWorkers {

    /** Where a review went. */
    enum Placement {
        /** A worker answers it (now or when a queued review before it is done). */
        QUEUED,
        /** The overload pool answers it without registry lookups. */
        DEGRADED,
        /** No room anywhere: the caller answers it at once. */
        REFUSED
    }

    /** Threads and queue of the overload pool: few, so that overload does not add much work of its own. */
    private static final int OVERLOAD_THREADS = 2;

    private static final int OVERLOAD_QUEUE = 64;

    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor overload;

    AdmissionWorkers(int threads, int queueCapacity) {
        workers = pool(threads, queueCapacity, "admission-");
        overload = pool(OVERLOAD_THREADS, OVERLOAD_QUEUE, "admission-overload-");
    }

    Placement submit(Runnable review, Runnable withoutLookups) {
        try {
            workers.execute(review);
            return Placement.QUEUED;
        } catch (RejectedExecutionException full) {
            try {
                overload.execute(withoutLookups);
                return Placement.DEGRADED;
            } catch (RejectedExecutionException alsoFull) {
                return Placement.REFUSED;
            }
        }
    }

    int queueDepth() {
        return workers.getQueue().size() + overload.getQueue().size();
    }

    /** Lets queued reviews finish for up to {@code grace}, then stops every thread. */
    void shutdown(Duration grace) {
        workers.shutdown();
        overload.shutdown();
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            workers.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
            overload.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        overload.shutdownNow();
    }

    private static ThreadPoolExecutor pool(int threads, int queueCapacity, String prefix) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return new ThreadPoolExecutor(
                threads,
                threads,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, queueCapacity)),
                factory,
                new ThreadPoolExecutor.AbortPolicy());
    }
}
