package dev.imagesize.analysis;

/**
 * A regular file of the final root filesystem (one path per inode: hardlinks count once).
 *
 * @param path absolute path
 * @param bytes size
 * @param crc32c content checksum
 * @param layer the layer whose entry created the content
 */
public record VisibleFile(String path, long bytes, int crc32c, int layer) {}
