package dev.imagesize.policy;

/**
 * What the content analysis measured of one platform image: the figures the content limits ({@code
 * maxUncompressedSize}, {@code minEfficiency}, {@code maxWastedBytes}) check.
 *
 * @param uncompressedBytes the layers' file sizes added up (as {@code docker history} shows them)
 * @param efficiency the bytes the image's filesystem shows over the bytes its layers ship, 0 to 1 (OCI layer semantics)
 * @param wastedBytes bytes shipped in a layer but hidden by a later one (deleted, overwritten, under an opaque directory)
 */
public record Analysed(long uncompressedBytes, double efficiency, long wastedBytes) {}
