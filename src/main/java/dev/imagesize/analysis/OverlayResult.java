package dev.imagesize.analysis;

import java.util.List;
import java.util.Map;

/**
 * The image under OCI layer semantics: what is shipped, what a container sees, and what each hidden byte is.
 *
 * @param shippedBytes Σ regular-file entry sizes over all layers (hardlinks 0)
 * @param visibleBytes Σ regular files visible in the merged root filesystem, each inode once
 * @param hiddenBytes shipped − visible
 * @param hiddenByCause hiddenBytes split by cause
 * @param hidden every hidden chunk
 * @param visible every visible file
 */
public record OverlayResult(
        long shippedBytes,
        long visibleBytes,
        long hiddenBytes,
        Map<HiddenCause, Long> hiddenByCause,
        List<HiddenChunk> hidden,
        List<VisibleFile> visible) {

    /** visible / shipped (1.0 for an image without file content). */
    public double efficiency() {
        return shippedBytes == 0 ? 1.0 : (double) visibleBytes / shippedBytes;
    }
}
