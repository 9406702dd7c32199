package dev.imagesize.image;

/** One layer of an image manifest, with its compressed size as the manifest states it. */
public record Layer(String digest, long sizeBytes, String mediaType) {}
