package dev.imagesize.analysis;

/**
 * What findings and ranking need to know about a layer: the step that made it and its compression ratio.
 *
 * @param index position in the manifest
 * @param createdBy the history step
 * @param compressedBytes blob size
 * @param tarBytes uncompressed stream length
 */
public record LayerFacts(int index, String createdBy, long compressedBytes, long tarBytes) {

    /** compressed / uncompressed: the share of a removed byte that a node stops downloading. */
    public double compressionRatio() {
        return tarBytes <= 0 ? 1.0 : Math.min(1.0, (double) compressedBytes / tarBytes);
    }

    /** A {@code COPY} or {@code ADD} step (Docker's and BuildKit's spellings). */
    public boolean isCopyStep() {
        String step = createdBy == null ? "" : createdBy.trim();
        return step.startsWith("COPY ")
                || step.startsWith("ADD ")
                || step.startsWith("/bin/sh -c #(nop) COPY ")
                || step.startsWith("/bin/sh -c #(nop) ADD ")
                || step.startsWith("#(nop) COPY ")
                || step.startsWith("#(nop) ADD ");
    }
}
