package dev.imagesize.registry.http;

import dev.imagesize.Deadline;
import dev.imagesize.registry.http.TransportException.Reason;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands a response body to a reader as an {@link java.io.InputStream}, one buffer list at a time (the next is requested
 * only when the reader has used the last, so memory stays at a few buffers), at most a given number of bytes, and only
 * until a deadline: a read that would wait past it fails, and closing the stream early closes the connection.
 */
final class StreamingBodySubscriber implements HttpResponse.BodySubscriber<Object>, AbortableBody {
    private static final Object END = new Object();

    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final long limit;
    private final Deadline deadline;
    private final long declaredLength;
    private final Runnable onClose;
    private final String tooLarge;
    private final Stream stream = new Stream();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    StreamingBodySubscriber(long limit, Deadline deadline, long declaredLength, String tooLarge, Runnable onClose) {
        this.limit = limit;
        this.deadline = deadline;
        this.declaredLength = declaredLength;
        this.tooLarge = tooLarge;
        this.onClose = onClose;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (cancelled) {
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        arrived.add(items);
    }

    @Override
    public void onError(Throwable error) {
        arrived.add(error);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    @Override
    public CompletionStage<Object> getBody() {
        return CompletableFuture.completedFuture(stream);
    }

    @Override
    public void abort(IOException why) {
        arrived.add(why); // wakes a reader waiting for data
        cancel();
    }

    private void cancel() {
        cancelled = true;
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }

    private final class Stream extends HttpAnswer.BodyStream {
        private List<ByteBuffer> buffers;
        private int next;
        private ByteBuffer current;
        private long read;
        private boolean ended;
        private boolean closed;
        private IOException failed;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (closed) {
                throw new IOException("the registry response stream is closed");
            }
            if (failed != null) {
                throw failed;
            }
            if (length == 0) {
                return 0;
            }
            while (current == null || !current.hasRemaining()) {
                if (buffers != null && next < buffers.size()) {
                    current = buffers.get(next++);
                    continue;
                }
                if (buffers != null) {
                    buffers = null;
                    subscription.request(1);
                }
                if (ended) {
                    return -1;
                }
                Object item = take();
                if (item == END) {
                    ended = true;
                    return -1;
                }
                if (item instanceof Throwable error) {
                    throw fail(error instanceof IOException io ? io : new TransportException(Reason.IO, "read failed"));
                }
                @SuppressWarnings("unchecked")
                List<ByteBuffer> list = (List<ByteBuffer>) item;
                buffers = list;
                next = 0;
            }
            int n = Math.min(length, current.remaining());
            if (read + n > limit) {
                cancel();
                throw fail(new TransportException(Reason.TOO_LARGE, tooLarge));
            }
            current.get(into, offset, n);
            read += n;
            return n;
        }

        private Object take() throws IOException {
            try {
                Object item = arrived.poll(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
                if (item == null) {
                    cancel();
                    throw fail(new TransportException(Reason.DEADLINE, "the response did not arrive in time"));
                }
                return item;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel();
                throw fail(new TransportException(Reason.DEADLINE, "reading the response was interrupted"));
            }
        }

        private IOException fail(IOException error) {
            failed = error;
            return error;
        }

        @Override
        public long bytesRead() {
            return read;
        }

        @Override
        public long declaredLength() {
            return declaredLength;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (!ended) {
                    cancel();
                }
                onClose.run();
            }
        }
    }
}
