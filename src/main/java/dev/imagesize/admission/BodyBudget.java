package dev.imagesize.admission;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies held in memory across every request of the webhook at once. A request reserves what it
 * reads before it reads it, and gives it back once answered, so a flood of large bodies is refused instead of filling
 * the heap.
 */
final class BodyBudget {
    private final long capacity;
    private final AtomicLong inFlight = new AtomicLong();

    BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    /** Reserves {@code bytes} if they fit; false (and nothing reserved) when they do not. */
    boolean tryReserve(long bytes) {
        while (true) {
            long current = inFlight.get();
            if (current + bytes > capacity) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        inFlight.addAndGet(-bytes);
    }

    long inFlight() {
        return inFlight.get();
    }

    long capacity() {
        return capacity;
    }
}
