package dev.imagesize.cli;

import dev.imagesize.analysis.ImageAnalyzer;
import dev.imagesize.image.ByteSize;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One status line on the terminal while layers download ("layers 3/7, 120.4 MiB of 409.1 MiB"), redrawn in place. */
final class ProgressDisplay implements ImageAnalyzer.Listener, AutoCloseable {
    private final PrintWriter err;
    private final ScheduledExecutorService ticker;
    private final Map<String, long[]> layers = new ConcurrentHashMap<>();
    private final AtomicInteger done = new AtomicInteger();
    private volatile int lastWidth;

    private ProgressDisplay(PrintWriter err) {
        this.err = err;
        this.ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "imagesize-progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(this::draw, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** A display on a terminal; none in CI ({@code CI} set), when stderr is not a terminal, or for JSON output. */
    static ImageAnalyzer.Listener forTerminal(PrintWriter err, boolean jsonOutput) {
        String ci = System.getenv("CI");
        boolean inCi = ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
        if (jsonOutput || inCi || System.console() == null) {
            return ImageAnalyzer.Listener.NONE;
        }
        return new ProgressDisplay(err);
    }

    private static String key(ImageAnalyzer.Target target, int index) {
        return target.manifestDigest() + "#" + index;
    }

    @Override
    public void layerStarted(ImageAnalyzer.Target target, int index, long compressedBytes) {
        layers.put(key(target, index), new long[] {compressedBytes, 0});
    }

    @Override
    public void bytesRead(ImageAnalyzer.Target target, int index, long compressedBytesSoFar) {
        long[] layer = layers.get(key(target, index));
        if (layer != null) {
            layer[1] = compressedBytesSoFar;
        }
    }

    @Override
    public void layerDone(ImageAnalyzer.Target target, int index) {
        long[] layer = layers.get(key(target, index));
        if (layer != null) {
            layer[1] = layer[0];
        }
        done.incrementAndGet();
    }

    private synchronized void draw() {
        long total = 0;
        long read = 0;
        for (long[] layer : layers.values()) {
            total += layer[0];
            read += Math.min(layer[1], layer[0]);
        }
        String line = "analysing: layers " + done.get() + "/" + layers.size() + ", " + ByteSize.format(read) + " of "
                + ByteSize.format(total) + " compressed";
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        err.flush();
        lastWidth = line.length();
    }

    @Override
    public synchronized void close() {
        ticker.shutdownNow();
        if (lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            err.flush();
        }
    }
}
