package dev.imagesize.analysis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads tar headers in stream order (PAX, GNU long names and sparse files included), hashes each regular file's
 * content with CRC32C, keeps a few small well-known files whole, and never stores content.
 */
final class TarScanner {
    /** Small files worth reading whole: base detection and the apt-recommends and npm dev-dependency rules use them. */
    private static final List<String> CAPTURED = List.of(
            "/etc/os-release",
            "/usr/lib/os-release",
            "/etc/alpine-release",
            AptRecommends.DPKG_STATUS,
            AptRecommends.EXTENDED_STATES);

    private static final String NPM_HIDDEN_LOCKFILE = "/node_modules/.package-lock.json";

    private final AnalysisLimits limits;
    private final byte[] buffer = new byte[65536];

    final List<LayerEntry> entries = new ArrayList<>();
    final Map<String, String> captured = new HashMap<>();
    long diveSize;
    long fileBytes;
    int skipped;
    boolean paxGlobalHeader;

    TarScanner(AnalysisLimits limits) {
        this.limits = limits;
    }

    /** Scans the tar stream {@code tarStream} (already buffered in chunks: it is read without a further buffer). */
    void scan(DiffIdMeter tarStream) throws IOException {
        paxGlobalHeader = startsWithGlobalHeader(tarStream.peek(512));
        HeaderBudget budget = new HeaderBudget(tarStream, limits.maxHeaderBytes());
        TarArchiveInputStream tar = new TarArchiveInputStream(budget, "UTF-8");
        TarArchiveEntry header;
        while ((header = nextEntry(tar, budget)) != null) {
            if (header.isGlobalPaxHeader()) {
                paxGlobalHeader = true;
                continue;
            }
            String name = GoPath.clean(header.getName());
            if (name.equals(".")) {
                continue; // dive skips "./" before counting its size
            }
            if (name.length() > limits.maxPathLength()
                    || GoPath.components(name).size() > limits.maxPathDepth()) {
                skipped++;
                continue;
            }
            if (entries.size() >= limits.maxEntries()) {
                throw new LayerProblem(
                        LayerProblem.Kind.TOO_MANY_ENTRIES, "layer has more than " + limits.maxEntries() + " entries");
            }
            EntryType type = typeOf(header);
            long size = header.isSparse() ? header.getRealSize() : header.getSize();
            int crc = 0;
            if (type == EntryType.FILE && !header.isSparse()) {
                crc = readContent(tar, name, size);
            }
            diveSize += size;
            if (type == EntryType.FILE) {
                fileBytes += size;
            }
            String link = header.getLinkName();
            entries.add(new LayerEntry(
                    name,
                    type,
                    size,
                    type == EntryType.DIRECTORY || (header.getMode() & 0170000) == 0040000,
                    header.getMode(),
                    header.getLongUserId(),
                    header.getLongGroupId(),
                    link == null || link.isEmpty() ? null : link,
                    crc,
                    header.isSparse()));
        }
    }

    /**
     * commons-compress applies PAX global headers silently; dive fails on them. Tools write them first in the archive
     * ({@code git archive}), so the first header block tells.
     */
    private static boolean startsWithGlobalHeader(byte[] block) {
        return block.length == 512 && block[156] == 'g';
    }

    /**
     * The next header. The current entry's data is consumed first, so what commons-compress reads inside
     * {@code getNextEntry} is header material only (headers, PAX records, GNU long names), which it keeps in memory:
     * that is bounded by {@link AnalysisLimits#maxHeaderBytes()}.
     */
    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, HeaderBudget budget) throws IOException {
        try {
            if (tar.getCurrentEntry() != null) {
                while (tar.skip(Long.MAX_VALUE) > 0) {
                    // sparse holes and unread data of links, devices and the like
                }
            }
            budget.arm();
            TarArchiveEntry next = tar.getNextEntry();
            budget.disarm();
            return next;
        } catch (LayerProblem problem) {
            throw problem;
        } catch (IOException | RuntimeException e) {
            throw new LayerProblem(LayerProblem.Kind.MALFORMED, "layer is not a valid tar stream: " + e.getMessage());
        }
    }

    private int readContent(TarArchiveInputStream tar, String name, long size) throws IOException {
        CRC32C crc = new CRC32C();
        String rooted = GoPath.rooted(name);
        boolean capture = size <= limits.maxCapturedFileBytes()
                && (CAPTURED.contains(rooted) || rooted.endsWith(NPM_HIDDEN_LOCKFILE));
        java.io.ByteArrayOutputStream kept = capture ? new java.io.ByteArrayOutputStream((int) size) : null;
        long read = 0;
        try {
            int n;
            while ((n = tar.read(buffer, 0, buffer.length)) > 0) {
                crc.update(buffer, 0, n);
                read += n;
                if (kept != null) {
                    kept.write(buffer, 0, n);
                }
            }
        } catch (LayerProblem problem) {
            throw problem;
        } catch (IOException | RuntimeException e) {
            throw new LayerProblem(
                    LayerProblem.Kind.MALFORMED, "layer ends inside " + name + " (" + e.getMessage() + ")");
        }
        if (read != size) {
            throw new LayerProblem(
                    LayerProblem.Kind.MALFORMED,
                    "layer ends inside " + name + ": " + read + " of " + size + " bytes present");
        }
        if (kept != null) {
            captured.put(rooted, kept.toString(StandardCharsets.UTF_8));
        }
        return (int) crc.getValue();
    }

    /** Counts bytes read while a header is parsed, and stops past the limit. */
    private static final class HeaderBudget extends java.io.FilterInputStream {
        private final long limit;
        private boolean armed;
        private long used;

        HeaderBudget(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        void arm() {
            armed = true;
            used = 0;
        }

        void disarm() {
            armed = false;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) {
                count(skipped);
            }
            return skipped;
        }

        private void count(long n) throws LayerProblem {
            if (armed) {
                used += n;
                if (used > limit) {
                    throw new LayerProblem(
                            LayerProblem.Kind.MALFORMED,
                            "a tar header (PAX record or GNU long name) is over the " + limit + "-byte limit");
                }
            }
        }
    }

    private static EntryType typeOf(TarArchiveEntry header) {
        if (header.isLink()) {
            return EntryType.HARDLINK;
        }
        if (header.isSymbolicLink()) {
            return EntryType.SYMLINK;
        }
        if (header.isDirectory()) {
            return EntryType.DIRECTORY;
        }
        if (header.isCharacterDevice()) {
            return EntryType.CHAR_DEVICE;
        }
        if (header.isBlockDevice()) {
            return EntryType.BLOCK_DEVICE;
        }
        if (header.isFIFO()) {
            return EntryType.FIFO;
        }
        if (header.isFile()) {
            return EntryType.FILE;
        }
        return EntryType.OTHER;
    }
}
