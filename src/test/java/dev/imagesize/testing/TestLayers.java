package dev.imagesize.testing;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Layer tars written entry by entry, as image builders write them: files, directories, links, whiteouts
 * ({@code .wh.NAME}) and opaque markers ({@code .wh..wh..opq}); plus gzip/zstd and digests.
 */
public final class TestLayers {
    private TestLayers() {}

    public static Builder layer() {
        return new Builder();
    }

    /** Entries in the order they are added. */
    public static final class Builder {
        private final List<TarArchiveEntry> entries = new ArrayList<>();
        private final List<byte[]> contents = new ArrayList<>();

        /** A regular file of {@code size} pseudo-random bytes from {@code seed} (same seed and size: same content). */
        public Builder file(String path, long size, long seed) {
            return file(path, content(size, seed), 0644, 0, 0);
        }

        public Builder file(String path, String text) {
            return file(path, text.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
        }

        public Builder file(String path, byte[] content, int mode, int uid, int gid) {
            TarArchiveEntry entry = new TarArchiveEntry(path);
            entry.setSize(content.length);
            entry.setMode(0100000 | mode);
            entry.setUserId(uid);
            entry.setGroupId(gid);
            entry.setModTime(0);
            return add(entry, content);
        }

        public Builder dir(String path) {
            TarArchiveEntry entry = new TarArchiveEntry(path.endsWith("/") ? path : path + "/");
            entry.setMode(040755);
            entry.setModTime(0);
            return add(entry, new byte[0]);
        }

        public Builder symlink(String path, String target) {
            TarArchiveEntry entry = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
            entry.setLinkName(target);
            entry.setMode(0120777);
            entry.setModTime(0);
            return add(entry, new byte[0]);
        }

        public Builder hardlink(String path, String target) {
            TarArchiveEntry entry = new TarArchiveEntry(path, TarConstants.LF_LINK);
            entry.setLinkName(target);
            entry.setMode(0100644);
            entry.setModTime(0);
            return add(entry, new byte[0]);
        }

        /** {@code .wh.NAME} beside {@code path}: deletes {@code path} of lower layers. */
        public Builder whiteout(String path) {
            int slash = path.lastIndexOf('/');
            String marker =
                    slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
            return file(marker, new byte[0], 0644, 0, 0);
        }

        /** {@code DIR/.wh..wh..opq}: hides every lower-layer child of {@code dir}. */
        public Builder opaque(String dir) {
            return file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", new byte[0], 0644, 0, 0);
        }

        private Builder add(TarArchiveEntry entry, byte[] content) {
            entries.add(entry);
            contents.add(content);
            return this;
        }

        /** The uncompressed tar (PAX headers for long names and large numbers). */
        public byte[] tar() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (int i = 0; i < entries.size(); i++) {
                    tar.putArchiveEntry(entries.get(i));
                    tar.write(contents.get(i));
                    tar.closeArchiveEntry();
                }
                tar.finish();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    /**
     * {@code tar} with a PAX global header ({@code g}) in front, as {@code git archive} writes one: valid tar, on
     * which dive fails.
     */
    public static byte[] withPaxGlobalHeader(byte[] tar) {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(header)) {
            TarArchiveEntry global =
                    new TarArchiveEntry("pax_global_header", TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER);
            global.addPaxHeader("comment", "global");
            out.putArchiveEntry(global); // commons-compress writes the whole record (header and body) itself
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] all = java.util.Arrays.copyOf(header.toByteArray(), 1024 + tar.length); // header block + body block
        System.arraycopy(tar, 0, all, 1024, tar.length);
        return all;
    }

    /** Deterministic, incompressible bytes. */
    public static byte[] content(long size, long seed) {
        byte[] content = new byte[Math.toIntExact(size)];
        new Random(seed).nextBytes(content);
        return content;
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(bytes)) {
            gzip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] zstd(byte[] data, int level, int windowLog) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZstdOutputStream zstd = new ZstdOutputStream(bytes, level)) {
            if (windowLog > 0) {
                zstd.setLong(windowLog);
            }
            zstd.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code sha256:HEX}. */
    public static String sha256(byte[] data) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
