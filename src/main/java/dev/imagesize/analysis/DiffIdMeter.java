package dev.imagesize.analysis;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hashes the uncompressed tar stream (its SHA-256 is the layer's diffID) and stops at the uncompressed limit or when
 * the stream inflates faster than the ratio limit allows. SHA-256 costs about as much per byte as zstd decoding, so
 * the hashing runs on a second thread over copied 256 KiB chunks (at most {@value #CHUNKS} in flight): one layer
 * then decodes and parses at the decompressor's speed.
 */
final class DiffIdMeter extends FilterInputStream {
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

    private final CompressedMeter compressed;
    private final AnalysisLimits limits;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
    private final CompletableFuture<String> digest;
    private byte[] current;
    private int filled;
    private long count;
    private boolean ended;

    DiffIdMeter(InputStream in, CompressedMeter compressed, AnalysisLimits limits) {
        super(in);
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

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            hand(b, off, n);
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
        return n;
    }

    /** Copies bytes into the current chunk and passes full chunks to the hashing thread. */
    private void hand(byte[] b, int off, int n) throws IOException {
        while (n > 0) {
            int take = Math.min(n, CHUNK - filled);
            System.arraycopy(b, off, current, filled, take);
            filled += take;
            off += take;
            n -= take;
            if (filled == CHUNK) {
                submit();
            }
        }
    }

    private void submit() throws IOException {
        try {
            full.put(new Chunk(current, filled));
            current = free.take();
            filled = 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, "interrupted while hashing the layer");
        }
    }

    private void finishHashing() throws IOException {
        if (!ended) {
            ended = true;
            if (filled > 0) {
                submit();
            }
            full.add(END);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(Math.max(n, 1), 65536)];
        int read = read(buffer, 0, buffer.length);
        return Math.max(read, 0);
    }

    /** Reads what is left (tar padding after the end marker), so the hash covers the whole stream. */
    void drain() throws IOException {
        byte[] buffer = new byte[65536];
        while (read(buffer, 0, buffer.length) >= 0) {
            // hashing and counting happen in read
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
