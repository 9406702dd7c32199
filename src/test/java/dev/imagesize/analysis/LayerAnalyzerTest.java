package dev.imagesize.analysis;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.Deadline;
import dev.imagesize.testing.TestLayers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The streaming pass over one layer: formats, tar dialects, and hostile or broken input. */
class LayerAnalyzerTest {
    private static final Deadline MINUTE = Deadline.in(Duration.ofMinutes(1));

    private static LayerIndex analyze(byte[] blob, String diffId, AnalysisLimits limits) throws LayerProblem {
        return new LayerAnalyzer(limits)
                .analyze(new ByteArrayInputStream(blob), diffId, MINUTE, LayerAnalyzer.Progress.NONE);
    }

    @Test
    void readsGzipZstdAndPlainTarAndVerifiesTheDiffId() throws Exception {
        byte[] tar = layer().dir("etc")
                .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
                .file("bin/x", 5000, 1)
                .tar();
        String diffId = TestLayers.sha256(tar);
        for (byte[] blob : new byte[][] {tar, TestLayers.gzip(tar), TestLayers.zstd(tar, 3, 0)}) {
            LayerIndex index = analyze(blob, diffId, AnalysisLimits.defaults());
            assertThat(index.diffId()).isEqualTo(diffId);
            assertThat(index.tarBytes()).isEqualTo(tar.length);
            assertThat(index.entries()).extracting(LayerEntry::name).containsExactly("etc", "etc/os-release", "bin/x");
            assertThat(index.fileBytes()).isEqualTo(5000 + "ID=debian\nVERSION_ID=\"12\"\n".length());
            assertThat(index.capturedFiles()).containsKey("/etc/os-release");
        }
        assertThat(analyze(TestLayers.zstd(tar, 3, 0), diffId, AnalysisLimits.defaults())
                        .compression())
                .isEqualTo("zstd");
    }

    @Test
    void concatenatedGzipMembersAreReadToTheEnd() throws Exception {
        byte[] tar = layer().file("a", 70_000, 1).file("b", 70_000, 2).tar();
        int half = tar.length / 2;
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        blob.write(TestLayers.gzip(Arrays.copyOfRange(tar, 0, half)));
        blob.write(TestLayers.gzip(Arrays.copyOfRange(tar, half, tar.length)));
        LayerIndex index = analyze(blob.toByteArray(), TestLayers.sha256(tar), AnalysisLimits.defaults());
        assertThat(index.entries()).hasSize(2);
    }

    @Test
    void concatenatedZstdFramesAreReadToTheEnd() throws Exception { // zstd:chunked writes one frame per file
        byte[] tar = layer().file("a", 70_000, 1).file("b", 70_000, 2).tar();
        int half = tar.length / 2;
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        blob.write(TestLayers.zstd(Arrays.copyOfRange(tar, 0, half), 3, 0));
        blob.write(TestLayers.zstd(Arrays.copyOfRange(tar, half, tar.length), 3, 0));
        LayerIndex index = analyze(blob.toByteArray(), TestLayers.sha256(tar), AnalysisLimits.defaults());
        assertThat(index.entries()).hasSize(2);
        assertThat(index.compression()).isEqualTo("zstd");
    }

    @Test
    void aWrongDiffIdIsReportedNotAccepted() {
        byte[] tar = layer().file("a", 10, 1).tar();
        assertThatThrownBy(() -> analyze(TestLayers.gzip(tar), "sha256:" + "0".repeat(64), AnalysisLimits.defaults()))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.DIFF_ID_MISMATCH))
                .hasMessageContaining("image config says sha256:000");
    }

    @Test
    void longNamesInPaxAndGnuFormsAreRead() throws Exception {
        String deep = "d/" + "x".repeat(150) + "/" + "y".repeat(120) + "/file.txt";
        byte[] pax = layer().file(deep, 3, 1).tar();
        assertThat(analyze(pax, null, AnalysisLimits.defaults())
                        .entries()
                        .get(0)
                        .name())
                .isEqualTo(deep);

        ByteArrayOutputStream gnu = new ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(gnu)) {
            out.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_GNU);
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(deep);
            entry.setSize(3);
            out.putArchiveEntry(entry);
            out.write(new byte[] {1, 2, 3});
            out.closeArchiveEntry();
        }
        assertThat(analyze(gnu.toByteArray(), null, AnalysisLimits.defaults())
                        .entries()
                        .get(0)
                        .name())
                .isEqualTo(deep);
    }

    @Test
    void aPaxGlobalHeaderIsReadAndMarkedAsOneDiveFailsOn() throws Exception {
        byte[] body = "18 comment=global\n".getBytes(StandardCharsets.US_ASCII);
        byte[] global = header("pax_global_header", 'g', body.length);
        byte[] rest = layer().file("a", 4, 1).tar();
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.write(global);
        tar.write(Arrays.copyOf(body, 512));
        tar.write(rest);
        LayerIndex index = analyze(tar.toByteArray(), null, AnalysisLimits.defaults());
        assertThat(index.paxGlobalHeader()).isTrue();
        assertThat(index.entries()).extracting(LayerEntry::name).containsExactly("a");
    }

    @Test
    void sparseFilesCountAtTheirLogicalSizeWithoutReadingTheHoles() throws Exception {
        // GNU sparse 'S' header: 1 MiB logical, one 512-byte data chunk at offset 0
        byte[] h = header("var/log/lastlog", 'S', 512);
        writeOctal(h, 386, 12, 0); // sparse[0].offset
        writeOctal(h, 398, 12, 512); // sparse[0].numbytes
        writeOctal(h, 410, 12, 1 << 20); // sparse[1]: the trailing hole ends the map, as GNU tar writes it
        writeOctal(h, 422, 12, 0);
        writeOctal(h, 483, 12, 1 << 20); // realsize
        checksum(h);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.write(h);
        tar.write(new byte[512]);
        tar.write(new byte[1024]);
        LayerIndex index = analyze(tar.toByteArray(), null, AnalysisLimits.defaults());
        LayerEntry entry = index.entries().get(0);
        assertThat(entry.sparse()).isTrue();
        assertThat(entry.headerSize()).isEqualTo(1 << 20);
        assertThat(index.diveSizeBytes()).isEqualTo(1 << 20);
    }

    @Test
    void aHugePaxRecordIsRefusedBeforeItIsHeldInMemory() {
        String value = "n".repeat(4 << 20);
        String record = " path=" + value + "\n";
        int length = record.length() + 7; // 7 digits for a length of about 4 MiB
        byte[] body = (length + record).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header("PaxHeaders/n", 'x', body.length));
        out.writeBytes(Arrays.copyOf(body, (body.length + 511) / 512 * 512));
        out.writeBytes(header("n", '0', 0));
        out.writeBytes(new byte[1024]);
        byte[] tar = out.toByteArray(); // a 4 MiB name in a PAX record
        assertThatThrownBy(() -> analyze(TestLayers.gzip(tar), null, AnalysisLimits.defaults()))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.MALFORMED))
                .hasMessageContaining("PAX record or GNU long name");
    }

    @Test
    void pathTraversalNamesStayInsideTheRoot() throws Exception {
        LayerIndex index = analyze(layer().file("../../etc/passwd", 4, 1).tar(), null, AnalysisLimits.defaults());
        assertThat(index.entries().get(0).rootedPath()).isEqualTo("/etc/passwd");
        OverlayResult overlay = OverlayComposer.compose(java.util.List.of(index));
        assertThat(overlay.visible()).extracting(VisibleFile::path).containsExactly("/etc/passwd");
    }

    @Test
    void aHugeDeclaredSizeInATruncatedStreamIsMalformedNotAHang() {
        byte[] h = header("big", '0', 0);
        writeOctal(h, 124, 12, 07777777777L); // 8 GiB - 1 declared
        checksum(h);
        byte[] blob = TestLayers.gzip(concat(h, new byte[4096]));
        assertThatThrownBy(() -> analyze(blob, null, AnalysisLimits.defaults()))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.MALFORMED))
                .hasMessageContaining("big");
    }

    @Test
    void aTruncatedGzipStreamIsMalformed() {
        byte[] blob = TestLayers.gzip(layer().file("a", 100_000, 1).tar());
        byte[] cut = Arrays.copyOf(blob, blob.length / 2);
        assertThatThrownBy(() -> analyze(cut, null, AnalysisLimits.defaults()))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.MALFORMED));
    }

    @Test
    void aDecompressionBombStopsAtTheRatioLimitWithBoundedWork() {
        // 200 MiB of zeros in one file compress to about 200 KiB
        InputStream bomb = new ZeroTarGzip(200L << 20);
        LayerAnalyzer analyzer = new LayerAnalyzer(
                AnalysisLimits.defaults().toBuilder().maxRatio(100).build());
        assertThatThrownBy(() -> analyzer.analyze(bomb, null, MINUTE, LayerAnalyzer.Progress.NONE))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.RATIO_TOO_HIGH))
                .hasMessageContaining("decompression bomb");
    }

    @Test
    void uncompressedCompressedEntryAndWindowLimitsAreReported() {
        byte[] tar =
                layer().file("a", 100_000, 1).file("b", 10, 2).file("c", 10, 3).tar();
        assertThatThrownBy(() -> analyze(
                        TestLayers.gzip(tar),
                        null,
                        AnalysisLimits.defaults().toBuilder()
                                .maxUncompressedBytes(50_000)
                                .build()))
                .isInstanceOfSatisfying(LayerProblem.class, p -> assertThat(p.kind())
                        .isEqualTo(LayerProblem.Kind.UNCOMPRESSED_TOO_LARGE));
        assertThatThrownBy(() -> analyze(
                        TestLayers.gzip(tar),
                        null,
                        AnalysisLimits.defaults().toBuilder()
                                .maxCompressedBytes(1000)
                                .build()))
                .isInstanceOfSatisfying(LayerProblem.class, p -> assertThat(p.kind())
                        .isEqualTo(LayerProblem.Kind.COMPRESSED_TOO_LARGE));
        assertThatThrownBy(() -> analyze(
                        TestLayers.gzip(tar),
                        null,
                        AnalysisLimits.defaults().toBuilder().maxEntries(2).build()))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.TOO_MANY_ENTRIES));
        byte[] wide = TestLayers.zstd(layer().file("w", 1 << 20, 4).tar(), 3, 20);
        assertThatThrownBy(() -> analyze(
                        wide,
                        null,
                        AnalysisLimits.defaults().toBuilder().zstdWindowLog(12).build()))
                .isInstanceOfSatisfying(LayerProblem.class, p -> assertThat(p.kind())
                        .isEqualTo(LayerProblem.Kind.ZSTD_WINDOW_TOO_LARGE));
    }

    @Test
    void notATarIsMalformed() {
        assertThatThrownBy(() -> analyze(
                        TestLayers.gzip(
                                "just text, not a tar archive at all".repeat(40).getBytes(StandardCharsets.UTF_8)),
                        null,
                        AnalysisLimits.defaults()))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.MALFORMED));
    }

    @Test
    void anExpiredDeadlineStopsTheLayer() {
        byte[] blob = TestLayers.gzip(layer().file("a", 10, 1).tar());
        assertThatThrownBy(() -> new LayerAnalyzer(AnalysisLimits.defaults())
                        .analyze(
                                new ByteArrayInputStream(blob),
                                null,
                                Deadline.in(Duration.ZERO),
                                LayerAnalyzer.Progress.NONE))
                .isInstanceOfSatisfying(
                        LayerProblem.class, p -> assertThat(p.kind()).isEqualTo(LayerProblem.Kind.TOO_SLOW));
    }

    /** A ustar header block with name, type and size, checksum filled in. */
    static byte[] header(String name, char type, long size) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        writeOctal(h, 100, 8, 0644);
        writeOctal(h, 108, 8, 0);
        writeOctal(h, 116, 8, 0);
        writeOctal(h, 124, 12, size);
        writeOctal(h, 136, 12, 0);
        h[156] = (byte) type;
        byte[] magic = "ustar  \0".getBytes(StandardCharsets.US_ASCII); // GNU magic
        System.arraycopy(magic, 0, h, 257, magic.length);
        checksum(h);
        return h;
    }

    static void writeOctal(byte[] h, int offset, int length, long value) {
        String octal = String.format("%0" + (length - 1) + "o", value);
        byte[] digits = octal.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, offset, length - 1);
        h[offset + length - 1] = 0;
    }

    static void checksum(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String octal = String.format("%06o", sum);
        System.arraycopy(octal.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A gzip stream of a tar with one file of {@code size} zeros, made on the fly (never held in memory). */
    static final class ZeroTarGzip extends InputStream {
        private final InputStream gzipped;

        ZeroTarGzip(long size) {
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            try (var gzip = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(compressed)) {
                gzip.write(header("zeros", '0', size));
                byte[] zeros = new byte[1 << 20];
                for (long left = size; left > 0; left -= zeros.length) {
                    gzip.write(zeros, 0, (int) Math.min(zeros.length, left));
                }
                gzip.write(new byte[1024]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            gzipped = new ByteArrayInputStream(compressed.toByteArray());
        }

        @Override
        public int read() throws java.io.IOException {
            return gzipped.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            return gzipped.read(b, off, len);
        }
    }
}
