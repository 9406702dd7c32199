package dev.imagesize.analysis;

/** Why bytes a layer ships are not visible in the image's root filesystem. */
public enum HiddenCause {
    /** A later layer deleted the file or a directory above it ({@code .wh.NAME}). */
    DELETED_BY_WHITEOUT,
    /** A later layer made a directory above it opaque ({@code .wh..wh..opq}). */
    HIDDEN_BY_OPAQUE_DIRECTORY,
    /** A later entry replaced the file with different content (or replaced a directory above it). */
    OVERWRITTEN,
    /** A later entry wrote the same content again: a chmod/chown/touch copy-up. */
    SAME_CONTENT_REWRITTEN
}
