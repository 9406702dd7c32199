package dev.imagesize.registry;

import dev.imagesize.Deadline;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests in flight per registry, without parking a thread: {@link #acquire} answers with a future that completes when
 * a permit is free. Admission requests are served first and may use every permit; audit requests may hold at most a
 * share of them, so a registry busy with the audit still has permits for admission. Waiting is bounded per registry
 * and priority ("overloaded" at once beyond it) and by each request's deadline.
 */
final class RegistryPermits {

    /** A held permit; {@link #release} is idempotent. */
    static final class Permit {
        private final RegistryPermits owner;
        private final String registry;
        private final Priority priority;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(RegistryPermits owner, String registry, Priority priority) {
            this.owner = owner;
            this.registry = registry;
            this.priority = priority;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                owner.release(this);
            }
        }
    }

    private record Waiter(CompletableFuture<Permit> granted, Priority priority) {}

    private static final class Registry {
        int inUse;
        int auditInUse;
        final ArrayDeque<Waiter> admission = new ArrayDeque<>();
        final ArrayDeque<Waiter> audit = new ArrayDeque<>();

        boolean idle() {
            return inUse == 0 && admission.isEmpty() && audit.isEmpty();
        }
    }

    private final int permits;
    private final int auditPermits;
    private final int maxWaitingAdmission;
    private final int maxWaitingAudit;
    private final Map<String, Registry> registries = new HashMap<>();

    /**
     * @param permits requests in flight to one registry at most
     * @param auditPermits of which audit requests may hold at most this many
     * @param maxWaitingAdmission admission requests waiting for one registry at most
     * @param maxWaitingAudit audit requests waiting for one registry at most
     */
    RegistryPermits(int permits, int auditPermits, int maxWaitingAdmission, int maxWaitingAudit) {
        this.permits = permits;
        this.auditPermits = Math.max(1, Math.min(auditPermits, permits));
        this.maxWaitingAdmission = maxWaitingAdmission;
        this.maxWaitingAudit = maxWaitingAudit;
    }

    /**
     * A permit for one request to {@code registry}: at once when one is free, else when one is released, else failed
     * with OVERLOADED (too many waiting) or TIMEOUT (the deadline passed while waiting), as a {@link RegistryFailure}.
     */
    CompletableFuture<Permit> acquire(String registry, Priority priority, Deadline deadline) {
        CompletableFuture<Permit> granted = new CompletableFuture<>();
        synchronized (this) {
            Registry state = registries.computeIfAbsent(registry, r -> new Registry());
            if (mayStart(state, priority)) {
                start(state, priority);
                return CompletableFuture.completedFuture(new Permit(this, registry, priority));
            }
            ArrayDeque<Waiter> queue = priority == Priority.ADMISSION ? state.admission : state.audit;
            int max = priority == Priority.ADMISSION ? maxWaitingAdmission : maxWaitingAudit;
            if (queue.size() >= max) {
                if (state.idle()) {
                    registries.remove(registry);
                }
                return CompletableFuture.failedFuture(new RegistryFailure(new ResolveError(
                        Kind.OVERLOADED,
                        "too many " + priority.name().toLowerCase() + " requests already wait for registry " + registry
                                + " (" + max + ")")));
            }
            queue.add(new Waiter(granted, priority));
        }
        long nanos = deadline.remaining().toNanos();
        granted.orTimeout(Math.max(1, nanos), TimeUnit.NANOSECONDS);
        return granted.handle((permit, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(permit);
                    }
                    forget(registry, granted); // before the caller hears of it: a retry at once finds the place free
                    return CompletableFuture.<Permit>failedFuture(new RegistryFailure(new ResolveError(
                            Kind.TIMEOUT, "no free request slot for registry " + registry + " in time")));
                })
                .thenCompose(f -> f);
    }

    /** Requests in flight and waiting, per registry, for tests and metrics. */
    synchronized int inUse(String registry) {
        Registry state = registries.get(registry);
        return state == null ? 0 : state.inUse;
    }

    synchronized int registriesTracked() {
        return registries.size();
    }

    private boolean mayStart(Registry state, Priority priority) {
        if (state.inUse >= permits) {
            return false;
        }
        if (priority == Priority.ADMISSION) {
            return true;
        }
        return state.admission.isEmpty() && state.auditInUse < auditPermits;
    }

    private static void start(Registry state, Priority priority) {
        state.inUse++;
        if (priority == Priority.AUDIT) {
            state.auditInUse++;
        }
    }

    private void release(Permit permit) {
        List<Runnable> grants = new ArrayList<>();
        synchronized (this) {
            Registry state = registries.get(permit.registry);
            if (state == null) {
                return;
            }
            state.inUse--;
            if (permit.priority == Priority.AUDIT) {
                state.auditInUse--;
            }
            dispatch(permit.registry, state, grants);
            if (state.idle()) {
                registries.remove(permit.registry);
            }
        }
        grants.forEach(Runnable::run); // outside the lock: completing a future runs its continuations
    }

    /** Hands free permits to waiters: admission first, then audit within its share. */
    private void dispatch(String registry, Registry state, List<Runnable> grants) {
        while (state.inUse < permits) {
            Waiter next = pollLive(state.admission);
            if (next == null && state.auditInUse < auditPermits) {
                next = pollLive(state.audit);
            }
            if (next == null) {
                return;
            }
            start(state, next.priority());
            Permit permit = new Permit(this, registry, next.priority());
            Waiter waiter = next;
            grants.add(() -> {
                if (!waiter.granted().complete(permit)) {
                    permit.release(); // the waiter timed out meanwhile
                }
            });
        }
    }

    private static Waiter pollLive(ArrayDeque<Waiter> queue) {
        Waiter next;
        while ((next = queue.poll()) != null) {
            if (!next.granted().isDone()) {
                return next;
            }
        }
        return null;
    }

    private synchronized void forget(String registry, CompletableFuture<Permit> granted) {
        Registry state = registries.get(registry);
        if (state != null) {
            state.admission.removeIf(waiter -> waiter.granted() == granted);
            state.audit.removeIf(waiter -> waiter.granted() == granted);
            if (state.idle()) {
                registries.remove(registry);
            }
        }
    }
}
