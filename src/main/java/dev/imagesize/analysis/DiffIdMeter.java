package dev.imagesize.analysis;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The uncompressed tar stream, read in {@value #CHUNK}-byte chunks straight from the decompressor: the tar scanner
 * reads from the chunks, and each chunk, once read, goes to a second thread that hashes it (the stream's SHA-256 is
 * the layer's diffID) without being copied. SHA-256 costs about as much per byte as zstd decoding, so one layer then
 * decodes and parses at the decompressor's speed. Stops at the uncompressed limit, or when the stream inflates faster
 * than the ratio limit allows. At most {@value #CHUNKS} chunks exist per layer.
 */
final class DiffIdMeter extends InputStream {
    private static final int CHUNK = 256 * 1024;
    private static final int CHUNKS = 6;
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService HASHERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "imagesize-diffid-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private record Chunk(byte[] data, int length) {}

    private static final Chunk END = new Chunk(new byte[0], 0);

    private final InputStream in;
    private final CompressedMeter compressed;
    private final AnalysisLimits limits;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
    private final CompletableFuture<String> digest;
    /** The chunk being read: bytes {@code [0, filled)} came from the decompressor, {@code [0, position)} were read. */
    private byte[] current;

    private int filled;
    private int position;
    private long count;
    private boolean atEnd;
    private boolean ended;

    DiffIdMeter(InputStream in, CompressedMeter compressed, AnalysisLimits limits) {
        this.in = in;
        this.compressed = compressed;
        this.limits = limits;
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        for (int i = 0; i < CHUNKS - 1; i++) {
            free.add(new byte[CHUNK]);
        }
        current = new byte[CHUNK];
        digest = CompletableFuture.supplyAsync(() -> hash(sha256), HASHERS);
    }

    private String hash(MessageDigest sha256) {
        try {
            while (true) {
                Chunk chunk = full.take();
                if (chunk == END) {
                    return "sha256:" + HexFormat.of().formatHex(sha256.digest());
                }
                sha256.update(chunk.data(), 0, chunk.length());
                free.put(chunk.data());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("hashing interrupted");
        }
    }

    /** The bytes taken from the decompressor so far: after {@link #drain()}, the length of the tar stream. */
    long count() {
        return count;
    }

    /** The SHA-256 of everything read, once the stream has been drained. */
    String diffId() throws IOException {
        finishHashing();
        try {
            return digest.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, "interrupted while hashing the layer");
        } catch (ExecutionException e) {
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, "hashing the layer failed: " + e.getCause());
        }
    }

    /** The next {@code n} bytes (fewer at the end of the stream) without reading them. */
    byte[] peek(int n) throws IOException {
        while (filled - position < n && !atEnd && (filled < CHUNK || position == filled)) {
            fill();
        }
        return Arrays.copyOfRange(current, position, position + Math.min(n, filled - position));
    }

    @Override
    public int read() throws IOException {
        if (!ensure()) {
            return -1;
        }
        return current[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!ensure()) {
            return -1;
        }
        int n = Math.min(len, filled - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    /** Skips within the chunks: skipped bytes are hashed and counted like the others, but never copied. */
    @Override
    public long skip(long n) throws IOException {
        if (n <= 0 || !ensure()) {
            return 0;
        }
        int skipped = (int) Math.min(n, filled - position);
        position += skipped;
        return skipped;
    }

    @Override
    public int available() {
        return filled - position;
    }

    /** Whether an unread byte is in the current chunk, reading more from the decompressor when needed. */
    private boolean ensure() throws IOException {
        while (position == filled) {
            if (atEnd) {
                return false;
            }
            fill();
        }
        return true;
    }

    /** Reads more from the decompressor into the current chunk, or into a fresh one once it is full and read. */
    private void fill() throws IOException {
        if (filled == CHUNK && position == CHUNK) {
            submit();
        }
        int n = in.read(current, filled, CHUNK - filled);
        if (n < 0) {
            atEnd = true;
            return;
        }
        filled += n;
        count += n;
        if (count > limits.maxUncompressedBytes()) {
            throw new LayerProblem(
                    LayerProblem.Kind.UNCOMPRESSED_TOO_LARGE,
                    "layer is over the " + limits.maxUncompressedBytes() + "-byte uncompressed limit");
        }
        if (count > AnalysisLimits.RATIO_FLOOR && count / Math.max(1, compressed.count()) > limits.maxRatio()) {
            throw new LayerProblem(
                    LayerProblem.Kind.RATIO_TOO_HIGH,
                    "layer inflates more than " + limits.maxRatio() + " times (" + count + " bytes from "
                            + compressed.count() + "): a decompression bomb");
        }
    }

    /** Passes the current chunk to the hashing thread and continues in a free one. */
    private void submit() throws IOException {
        try {
            full.put(new Chunk(current, filled));
            current = free.take();
            filled = 0;
            position = 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, "interrupted while hashing the layer");
        }
    }

    private void finishHashing() throws IOException {
        if (!ended) {
            ended = true;
            if (filled > 0) {
                full.add(new Chunk(current, filled)); // a place is free: the hasher returned all but this one
            }
            full.add(END);
        }
    }

    /** Reads what is left (tar padding after the end marker), so the hash covers the whole stream. */
    void drain() throws IOException {
        while (ensure()) {
            position = filled;
        }
    }

    /** Ends the hashing thread, also when the analysis stopped early. */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            full.clear();
            full.add(END);
        }
    }
}
