package dev.imagesize.analysis;

import dev.imagesize.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Bridges a push-style download ({@code blob.writeTo(out)}) to a pull-style reader with a bounded buffer. The reader
 * sees end-of-stream only after the writer finished cleanly ({@link #finish}); a writer failure, a reader close, the
 * byte limit and the deadline all end both sides.
 */
final class BlobPipe {
    private static final int CHUNK = 64 * 1024;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> chunks;
    private final long maxBytes;
    private final Deadline deadline;
    private final String what;
    private volatile LayerProblem failure;
    private volatile boolean readerClosed;

    BlobPipe(int bufferedChunks, long maxBytes, Deadline deadline, String what) {
        this.chunks = new ArrayBlockingQueue<>(bufferedChunks);
        this.maxBytes = maxBytes;
        this.deadline = deadline;
        this.what = what;
    }

    /** The writer's end. */
    OutputStream sink() {
        return new OutputStream() {
            private byte[] current = new byte[CHUNK];
            private int filled;
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                written += len;
                if (written > maxBytes) {
                    LayerProblem tooLarge = new LayerProblem(
                            LayerProblem.Kind.COMPRESSED_TOO_LARGE, what + " is over the " + maxBytes + "-byte limit");
                    fail(tooLarge);
                    throw tooLarge;
                }
                while (len > 0) {
                    int n = Math.min(len, CHUNK - filled);
                    System.arraycopy(b, off, current, filled, n);
                    filled += n;
                    off += n;
                    len -= n;
                    if (filled == CHUNK) {
                        flushChunk();
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                if (filled > 0) {
                    flushChunk();
                }
            }

            private void flushChunk() throws IOException {
                byte[] chunk = filled == CHUNK ? current : java.util.Arrays.copyOf(current, filled);
                put(chunk);
                current = new byte[CHUNK];
                filled = 0;
            }
        };
    }

    private void put(byte[] chunk) throws IOException {
        try {
            while (!chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                if (readerClosed) {
                    throw new IOException("reader closed: download cancelled");
                }
                if (deadline.isExpired()) {
                    throw new IOException("deadline passed: download cancelled");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download interrupted");
        }
    }

    /** The writer completed and the transport verified the blob: the reader may now see end-of-stream. */
    void finish(OutputStream sink) {
        try {
            sink.flush();
            put(END);
        } catch (IOException e) {
            fail(new LayerProblem(LayerProblem.Kind.FETCH_FAILED, what + ": " + e.getMessage()));
        }
    }

    /** The writer failed: the reader gets {@code problem} instead of more bytes. */
    void fail(LayerProblem problem) {
        if (failure == null) {
            failure = problem;
        }
        chunks.offer(END); // wake the reader if there is room; it checks failure first
    }

    /** The reader's end. */
    InputStream source() {
        return new InputStream() {
            private byte[] chunk;
            private int position;
            private boolean ended;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (chunk == null || position == chunk.length) {
                    if (ended) {
                        return -1;
                    }
                    byte[] next = take();
                    if (next == END) {
                        if (failure != null) {
                            throw failure;
                        }
                        ended = true;
                        return -1;
                    }
                    chunk = next;
                    position = 0;
                }
                int n = Math.min(len, chunk.length - position);
                System.arraycopy(chunk, position, b, off, n);
                position += n;
                return n;
            }

            private byte[] take() throws IOException {
                try {
                    while (true) {
                        byte[] next = chunks.poll(100, TimeUnit.MILLISECONDS);
                        if (next != null) {
                            return next;
                        }
                        if (failure != null) {
                            throw failure;
                        }
                        if (deadline.isExpired()) {
                            LayerProblem slow = new LayerProblem(
                                    LayerProblem.Kind.TOO_SLOW, what + " did not arrive within its time limit");
                            fail(slow);
                            throw slow;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LayerProblem(LayerProblem.Kind.FETCH_FAILED, what + ": interrupted");
                }
            }

            @Override
            public void close() {
                readerClosed = true;
                chunks.clear();
            }
        };
    }
}
