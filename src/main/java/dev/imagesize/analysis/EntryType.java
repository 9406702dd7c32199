package dev.imagesize.analysis;

/** The kinds of tar entry a layer holds. */
public enum EntryType {
    FILE,
    DIRECTORY,
    SYMLINK,
    HARDLINK,
    CHAR_DEVICE,
    BLOCK_DEVICE,
    FIFO,
    OTHER
}
