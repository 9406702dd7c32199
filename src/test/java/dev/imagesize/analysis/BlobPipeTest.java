package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.Deadline;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bridge from jib's push-style download to the pull-style analysis. */
class BlobPipeTest {

    @Test
    void theReaderSeesEveryByteAndTheEndOnlyAfterTheWriterFinished() throws Exception {
        BlobPipe pipe = new BlobPipe(2, 1 << 20, Deadline.in(Duration.ofMinutes(1)), "blob");
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            OutputStream sink = pipe.sink();
            try {
                for (int i = 0; i < 300; i++) {
                    sink.write(new byte[1000]);
                }
                pipe.finish(sink);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (InputStream in = pipe.source()) {
            assertThat(in.readAllBytes()).hasSize(300_000);
        }
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWriterFailureReachesTheReaderInsteadOfAnEnd() throws Exception {
        BlobPipe pipe = new BlobPipe(2, 1 << 20, Deadline.in(Duration.ofMinutes(1)), "blob");
        OutputStream sink = pipe.sink();
        sink.write(new byte[10]);
        sink.flush();
        pipe.fail(new LayerProblem(LayerProblem.Kind.FETCH_FAILED, "digest mismatch"));
        InputStream in = pipe.source();
        assertThatThrownBy(in::readAllBytes).hasMessageContaining("digest mismatch");
    }

    @Test
    void closingTheReaderStopsTheWriter() throws Exception {
        BlobPipe pipe = new BlobPipe(1, Long.MAX_VALUE, Deadline.in(Duration.ofMinutes(1)), "blob");
        CompletableFuture<Exception> writer = CompletableFuture.supplyAsync(() -> {
            OutputStream sink = pipe.sink();
            try {
                while (true) {
                    sink.write(new byte[65536]);
                }
            } catch (Exception e) {
                return e;
            }
        });
        InputStream in = pipe.source();
        in.read(new byte[10]);
        in.close();
        assertThat(writer.get(10, TimeUnit.SECONDS)).hasMessageContaining("cancelled");
    }

    @Test
    void moreBytesThanTheLimitFailBothSides() {
        BlobPipe pipe = new BlobPipe(4, 100, Deadline.in(Duration.ofMinutes(1)), "blob x");
        assertThatThrownBy(() -> pipe.sink().write(new byte[101]))
                .isInstanceOfSatisfying(LayerProblem.class, p -> assertThat(p.kind())
                        .isEqualTo(LayerProblem.Kind.COMPRESSED_TOO_LARGE));
        assertThatThrownBy(() -> pipe.source().readAllBytes())
                .hasMessageContaining("blob x is over the 100-byte limit");
    }

    @Test
    void aStalledDownloadEndsAtTheDeadline() {
        BlobPipe pipe = new BlobPipe(4, 100, Deadline.in(Duration.ofMillis(200)), "blob y");
        assertThatThrownBy(() -> pipe.source().read())
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.TOO_SLOW));
    }
}
