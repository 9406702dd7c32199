package dev.imagesize.analysis;

/**
 * File content that is shipped but not visible: which path, how many bytes, which layer added it, which layer hid
 * it, and how.
 */
public record HiddenChunk(String path, long bytes, int addedByLayer, int removedByLayer, HiddenCause cause) {}
