package dev.imagesize.analysis;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Opens a layer blob for reading as a tar stream: gzip, zstd or plain tar, told apart by their first bytes (media
 * types lie often enough), as dive does.
 */
final class LayerDecompressor {
    private LayerDecompressor() {}

    /** The decompressed stream and what the blob was. */
    record Opened(InputStream tar, String compression) {}

    static Opened open(InputStream blob, int zstdWindowLog) throws IOException {
        BufferedInputStream in = new BufferedInputStream(blob, 65536);
        in.mark(8);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            try {
                // concatenated members: eStargz and pigz write several; the JDK's GZIPInputStream may stop after one
                return new Opened(new GzipCompressorInputStream(in, true), "gzip");
            } catch (IOException e) {
                throw new LayerProblem(LayerProblem.Kind.MALFORMED, "layer is not valid gzip: " + e.getMessage());
            }
        }
        if (magic.length == 4
                && (magic[0] & 0xff) == 0x28
                && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            ZstdInputStreamNoFinalizer zstd = new ZstdInputStreamNoFinalizer(in);
            zstd.setLongMax(zstdWindowLog);
            zstd.setContinuous(false);
            return new Opened(new ZstdErrors(zstd, zstdWindowLog), "zstd");
        }
        return new Opened(in, "none");
    }

    /** zstd-jni reports a too-large window as a generic IOException; name it. */
    private static final class ZstdErrors extends java.io.FilterInputStream {
        private final int windowLog;

        ZstdErrors(InputStream in, int windowLog) {
            super(in);
            this.windowLog = windowLog;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (LayerProblem problem) {
                throw problem;
            } catch (IOException e) {
                String message = String.valueOf(e.getMessage());
                if (message.toLowerCase(java.util.Locale.ROOT).contains("memory")
                        || message.toLowerCase(java.util.Locale.ROOT).contains("window")) {
                    throw new LayerProblem(
                            LayerProblem.Kind.ZSTD_WINDOW_TOO_LARGE,
                            "zstd frame needs a window over 2^" + windowLog + " bytes (" + message + ")");
                }
                throw new LayerProblem(LayerProblem.Kind.MALFORMED, "layer is not valid zstd: " + message);
            }
        }
    }
}
