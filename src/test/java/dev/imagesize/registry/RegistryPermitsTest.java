package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.Deadline;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Request slots per registry: admission first, the audit within its share, bounded waiting, deadlines. */
class RegistryPermitsTest {
    private static final Deadline LATER = Deadline.in(Duration.ofMinutes(1));

    private final RegistryPermits permits = new RegistryPermits(4, 2, 3, 3);

    private RegistryPermits.Permit now(Priority priority) {
        CompletableFuture<RegistryPermits.Permit> granted = permits.acquire("reg", priority, LATER);
        assertThat(granted).isDone();
        return granted.join();
    }

    @Test
    void theAuditHoldsAtMostItsShareAndAdmissionGoesFirst() {
        RegistryPermits.Permit audit1 = now(Priority.AUDIT);
        now(Priority.AUDIT);
        CompletableFuture<RegistryPermits.Permit> audit3 = permits.acquire("reg", Priority.AUDIT, LATER);
        assertThat(audit3).as("past the audit's share").isNotDone();

        now(Priority.ADMISSION);
        RegistryPermits.Permit admission2 = now(Priority.ADMISSION);
        CompletableFuture<RegistryPermits.Permit> admission3 = permits.acquire("reg", Priority.ADMISSION, LATER);
        assertThat(admission3).as("all four slots are taken").isNotDone();

        audit1.release();
        assertThat(admission3).as("a freed slot goes to admission first").isDone();
        assertThat(audit3).isNotDone();

        admission2.release();
        assertThat(audit3).as("the audit's share has room again").isDone();
    }

    @Test
    void waitingIsBoundedPerRegistryAndPriority() throws Exception {
        for (int i = 0; i < 4; i++) {
            now(Priority.ADMISSION);
        }
        List<CompletableFuture<RegistryPermits.Permit>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(permits.acquire("reg", Priority.ADMISSION, LATER));
        }

        CompletableFuture<RegistryPermits.Permit> overloaded = permits.acquire("reg", Priority.ADMISSION, LATER);

        assertThat(overloaded).isCompletedExceptionally();
        assertThat(kindOf(overloaded)).isEqualTo(Kind.OVERLOADED);
        assertThat(permits.acquire("other", Priority.ADMISSION, LATER))
                .as("another registry has its own slots")
                .isDone();
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
    }

    @Test
    void aWaiterWhoseDeadlinePassesGivesUpAndFreesItsPlace() throws Exception {
        for (int i = 0; i < 4; i++) {
            now(Priority.ADMISSION);
        }
        CompletableFuture<RegistryPermits.Permit> late =
                permits.acquire("reg", Priority.ADMISSION, Deadline.in(Duration.ofMillis(20)));

        assertThat(kindOf(late)).isEqualTo(Kind.TIMEOUT);
        for (int i = 0; i < 3; i++) {
            assertThat(permits.acquire("reg", Priority.ADMISSION, LATER)).isNotDone();
        }
    }

    @Test
    void anIdleRegistryIsForgotten() {
        RegistryPermits.Permit permit = now(Priority.ADMISSION);
        assertThat(permits.registriesTracked()).isEqualTo(1);

        permit.release();
        permit.release(); // twice is once

        assertThat(permits.registriesTracked()).isZero();
        assertThat(permits.inUse("reg")).isZero();
    }

    private static Kind kindOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return ((RegistryFailure) e.getCause()).error().kind();
        }
    }
}
