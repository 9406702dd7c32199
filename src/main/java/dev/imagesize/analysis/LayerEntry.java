package dev.imagesize.analysis;

/**
 * One tar entry of a layer, as both metrics need it; content itself is never kept.
 *
 * @param name the entry name cleaned as Go's {@code path.Clean} does (dive's key; relative, {@code ../} kept)
 * @param type what the entry is
 * @param headerSize the size the tar header states (the logical size for sparse files); dive counts this for every
 *     entry type
 * @param diveDirectory whether Go's {@code FileInfo.IsDir()} is true (type {@code 5} or directory mode bits)
 * @param mode permission and type bits of the header
 * @param uid owner
 * @param gid group
 * @param linkName target of a symlink or hardlink, else null
 * @param crc32c CRC32C of the content of a regular file (0 for sparse files, whose holes are not read)
 * @param sparse whether the entry is a sparse file
 */
public record LayerEntry(
        String name,
        EntryType type,
        long headerSize,
        boolean diveDirectory,
        int mode,
        long uid,
        long gid,
        String linkName,
        int crc32c,
        boolean sparse) {

    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE_MARKER = ".wh..wh..opq";
    public static final String METADATA_PREFIX = ".wh..wh.";

    /** Bytes of file content this entry ships: a regular file's size, 0 for everything else (links included). */
    public long contentBytes() {
        return type == EntryType.FILE ? headerSize : 0;
    }

    /** The path a runtime extracts to: absolute and clean. */
    public String rootedPath() {
        return GoPath.rooted(name);
    }

    /** {@code .wh..wh..opq}: hides every lower-layer child of its directory. */
    public boolean isOpaqueMarker() {
        return GoPath.base(name).equals(OPAQUE_MARKER);
    }

    /** {@code .wh.NAME}: deletes NAME of lower layers (not the {@code .wh..wh.*} metadata files). */
    public boolean isWhiteout() {
        String base = GoPath.base(name);
        return base.startsWith(WHITEOUT_PREFIX) && !base.startsWith(METADATA_PREFIX);
    }

    /** Any {@code .wh.}-prefixed name: whiteouts, opaque markers and AUFS metadata, never content of the rootfs. */
    public boolean isWhiteoutFamily() {
        return GoPath.base(name).startsWith(WHITEOUT_PREFIX);
    }

    /** For a whiteout, the rooted path it deletes. */
    public String whiteoutTarget() {
        String rooted = rootedPath();
        String parent = GoPath.parent(rooted);
        String target = GoPath.base(rooted).substring(WHITEOUT_PREFIX.length());
        return parent.equals("/") ? "/" + target : parent + "/" + target;
    }
}
