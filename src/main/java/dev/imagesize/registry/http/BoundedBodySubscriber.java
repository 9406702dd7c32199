package dev.imagesize.registry.http;

import dev.imagesize.registry.http.TransportException.Reason;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a response body into memory, counting while it arrives: at the limit it either fails (a successful body that is
 * too large) or keeps what it has and stops (an error body, of which only the start matters). Stopping cancels the
 * subscription, which makes the HTTP client close the connection instead of draining the rest.
 */
final class BoundedBodySubscriber implements HttpResponse.BodySubscriber<Object>, AbortableBody {

    /** A body read into memory. */
    record Bytes(byte[] bytes, boolean truncated) {}

    private final long limit;
    private final boolean truncate;
    private final String tooLarge;
    private final CompletableFuture<Object> result = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    /** Exactly sized when the length is declared and within the limit; else null and chunks collect the body. */
    private byte[] sized;

    private final List<byte[]> chunks = new ArrayList<>();
    private int size;

    /**
     * @param limit bytes to read at most
     * @param truncate keep the first {@code limit} bytes of a longer body instead of failing
     * @param declaredLength the Content-Length, or -1
     * @param tooLarge the message when a body over the limit fails
     */
    BoundedBodySubscriber(long limit, boolean truncate, long declaredLength, String tooLarge) {
        this.limit = limit;
        this.truncate = truncate;
        this.tooLarge = tooLarge;
        if (declaredLength >= 0 && declaredLength <= limit) {
            sized = new byte[(int) declaredLength];
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (result.isDone()) {
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            subscription.cancel();
            return;
        }
        for (ByteBuffer item : items) {
            int n = item.remaining();
            if (size + (long) n > limit) {
                subscription.cancel();
                if (truncate) {
                    int keep = (int) (limit - size);
                    item.limit(item.position() + keep);
                    append(item, keep);
                    result.complete(new Bytes(body(), true));
                } else {
                    result.completeExceptionally(new TransportException(Reason.TOO_LARGE, tooLarge));
                }
                return;
            }
            append(item, n);
        }
        subscription.request(1);
    }

    private void append(ByteBuffer item, int n) {
        if (n == 0) {
            return;
        }
        if (sized != null && size + n <= sized.length) {
            item.get(sized, size, n);
        } else {
            if (sized != null) { // the server sent more than it declared
                byte[] head = new byte[size];
                System.arraycopy(sized, 0, head, 0, size);
                chunks.add(head);
                sized = null;
            }
            byte[] chunk = new byte[n];
            item.get(chunk);
            chunks.add(chunk);
        }
        size += n;
    }

    private byte[] body() {
        if (sized != null) {
            if (size == sized.length) {
                return sized;
            }
            byte[] shorter = new byte[size];
            System.arraycopy(sized, 0, shorter, 0, size);
            return shorter;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, all, at, chunk.length);
            at += chunk.length;
        }
        chunks.clear();
        return all;
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(new Bytes(body(), false));
    }

    @Override
    public CompletionStage<Object> getBody() {
        return result;
    }

    @Override
    public void abort(IOException why) {
        if (result.completeExceptionally(why)) {
            Flow.Subscription current = subscription;
            if (current != null) {
                current.cancel();
            }
        }
    }
}
