package dev.imagesize.analysis;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies layers as the OCI image spec says a runtime does: in each layer, opaque markers hide the lower children of
 * their directory, whiteouts delete lower paths and everything below them, then entries are applied in tar order
 * (a directory over a directory merges, anything else replaces). Files are inodes, so a hardlink keeps content
 * visible after its first path is deleted. Every inode that loses its last path becomes a {@link HiddenChunk}.
 */
public final class OverlayComposer {
    private final Node root = new Node(null, "", true);
    private final List<HiddenChunk> hidden = new ArrayList<>();
    private long shipped;

    private OverlayComposer() {}

    private static final class Inode {
        final long size;
        final int crc;
        final int layer;
        final boolean sparse;
        int links;

        Inode(long size, int crc, int layer, boolean sparse) {
            this.size = size;
            this.crc = crc;
            this.layer = layer;
            this.sparse = sparse;
        }
    }

    private static final class Node {
        final Node parent;
        final String name;
        boolean directory;
        Inode inode;
        Map<String, Node> children;

        Node(Node parent, String name, boolean directory) {
            this.parent = parent;
            this.name = name;
            this.directory = directory;
        }

        String path() {
            if (parent == null) {
                return "/";
            }
            return parent.parent == null ? "/" + name : parent.path() + "/" + name;
        }

        Node child(String childName) {
            return children == null ? null : children.get(childName);
        }

        Node add(String childName, boolean dir) {
            if (children == null) {
                children = new HashMap<>();
            }
            Node node = new Node(this, childName, dir);
            children.put(childName, node);
            return node;
        }
    }

    public static OverlayResult compose(List<LayerIndex> layers) {
        OverlayComposer composer = new OverlayComposer();
        for (int i = 0; i < layers.size(); i++) {
            composer.apply(layers.get(i), i);
        }
        return composer.result();
    }

    private void apply(LayerIndex layer, int index) {
        for (LayerEntry entry : layer.entries()) {
            if (entry.isOpaqueMarker()) {
                Node dir = lookup(GoPath.parent(entry.rootedPath()));
                if (dir != null && dir.directory && dir.children != null) {
                    for (Node child : List.copyOf(dir.children.values())) {
                        detach(child, index, HiddenCause.HIDDEN_BY_OPAQUE_DIRECTORY);
                    }
                }
            }
        }
        for (LayerEntry entry : layer.entries()) {
            if (entry.isWhiteout()) {
                Node target = lookup(entry.whiteoutTarget());
                if (target != null && target != root) {
                    detach(target, index, HiddenCause.DELETED_BY_WHITEOUT);
                }
            }
        }
        for (LayerEntry entry : layer.entries()) {
            if (!entry.isWhiteoutFamily()) {
                add(entry, index);
            }
        }
    }

    private void add(LayerEntry entry, int index) {
        List<String> names = GoPath.components(entry.rootedPath());
        if (names.isEmpty()) {
            return; // the root directory's own metadata
        }
        Node parent = root;
        for (int i = 0; i < names.size() - 1; i++) {
            Node next = parent.child(names.get(i));
            if (next == null) {
                next = parent.add(names.get(i), true);
            } else if (!next.directory) {
                detach(next, index, HiddenCause.OVERWRITTEN);
                next = parent.add(names.get(i), true);
            }
            parent = next;
        }
        String name = names.get(names.size() - 1);
        Node existing = parent.child(name);
        if (entry.type() == EntryType.DIRECTORY) {
            if (existing != null && existing.directory) {
                return; // metadata merge; children stay
            }
            if (existing != null) {
                detach(existing, index, HiddenCause.OVERWRITTEN);
            }
            parent.add(name, true);
            return;
        }
        Inode inode = null;
        if (entry.type() == EntryType.FILE) {
            inode = new Inode(entry.headerSize(), entry.crc32c(), index, entry.sparse());
            shipped += inode.size;
        } else if (entry.type() == EntryType.HARDLINK) {
            Node target = lookup(GoPath.rooted(entry.linkName()));
            if (target != null && target.inode != null) {
                inode = target.inode;
            }
        }
        if (existing != null) {
            if (existing == lookup(entry.linkName() == null ? "" : GoPath.rooted(entry.linkName()))) {
                return; // a hardlink to itself changes nothing
            }
            HiddenCause cause = inode != null
                            && existing.inode != null
                            && entry.type() == EntryType.FILE
                            && existing.inode.size == inode.size
                            && existing.inode.crc == inode.crc
                            && !existing.inode.sparse
                            && !inode.sparse
                    ? HiddenCause.SAME_CONTENT_REWRITTEN
                    : HiddenCause.OVERWRITTEN;
            detach(existing, index, cause);
        }
        Node node = parent.add(name, false);
        node.inode = inode;
        if (inode != null) {
            inode.links++;
        }
    }

    private Node lookup(String rootedPath) {
        Node node = root;
        for (String name : GoPath.components(rootedPath)) {
            node = node.child(name);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** Removes {@code node} and its subtree; inodes without paths left become hidden chunks. */
    private void detach(Node node, int removedBy, HiddenCause cause) {
        release(node, removedBy, cause);
        node.parent.children.remove(node.name);
    }

    private void release(Node node, int removedBy, HiddenCause cause) {
        if (node.children != null) {
            for (Node child : node.children.values()) {
                release(child, removedBy, cause);
            }
        }
        if (node.inode != null && --node.inode.links == 0) {
            hidden.add(new HiddenChunk(node.path(), node.inode.size, node.inode.layer, removedBy, cause));
        }
    }

    private OverlayResult result() {
        List<VisibleFile> visible = new ArrayList<>();
        Map<Inode, Boolean> seen = new IdentityHashMap<>();
        collect(root, visible, seen);
        long visibleBytes = visible.stream().mapToLong(VisibleFile::bytes).sum();
        Map<HiddenCause, Long> byCause = new EnumMap<>(HiddenCause.class);
        for (HiddenCause cause : HiddenCause.values()) {
            byCause.put(cause, 0L);
        }
        long hiddenBytes = 0;
        for (HiddenChunk chunk : hidden) {
            byCause.merge(chunk.cause(), chunk.bytes(), Long::sum);
            hiddenBytes += chunk.bytes();
        }
        return new OverlayResult(shipped, visibleBytes, hiddenBytes, byCause, hidden, visible);
    }

    private static void collect(Node node, List<VisibleFile> out, Map<Inode, Boolean> seen) {
        if (node.inode != null && seen.put(node.inode, Boolean.TRUE) == null) {
            out.add(new VisibleFile(node.path(), node.inode.size, node.inode.crc, node.inode.layer));
        }
        if (node.children != null) {
            List<String> names = new ArrayList<>(node.children.keySet());
            names.sort(GoPath.BYTE_ORDER);
            for (String name : names) {
                collect(node.children.get(name), out, seen);
            }
        }
    }
}
