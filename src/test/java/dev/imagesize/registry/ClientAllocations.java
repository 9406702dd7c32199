package dev.imagesize.registry;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Bytes allocated on the client side of a registry call: by the calling thread and by the threads of the registry
 * client and of the JDK's HTTP client (whose pools keep their threads, so none is lost between the two readings).
 * The in-process registry's own threads are not counted.
 */
final class ClientAllocations {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What a call returned and what it cost. */
    record Measured<T>(T value, long allocatedBytes, long nanos) {}

    private ClientAllocations() {}

    static <T> Measured<T> measure(Callable<T> call) throws Exception {
        Map<Long, Long> before = clientThreads();
        long start = System.nanoTime();
        T value = call.call();
        long nanos = System.nanoTime() - start;
        Map<Long, Long> after = clientThreads();
        long allocated = 0;
        for (Map.Entry<Long, Long> thread : after.entrySet()) {
            allocated += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return new Measured<>(value, allocated, nanos);
    }

    private static Map<Long, Long> clientThreads() {
        Map<Long, Long> allocated = new HashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (thread == Thread.currentThread() || name.startsWith("imagesize-") || name.startsWith("HttpClient-")) {
                long bytes = THREADS.getThreadAllocatedBytes(thread.getId());
                if (bytes >= 0) {
                    allocated.put(thread.getId(), bytes);
                }
            }
        }
        return allocated;
    }
}
