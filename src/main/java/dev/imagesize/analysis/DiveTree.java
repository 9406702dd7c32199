package dev.imagesize.analysis;

import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * dive's per-layer file tree, ported rule for rule (dive v0.13.1 {@code dive/filetree}): names split on {@code /},
 * {@code .wh..wh..*} names dropped, missing parents created without data, the last entry of a path wins, children
 * visited in byte order.
 */
final class DiveTree {
    final Node root = new Node("", null);

    /** A node and its payload: only the two FileInfo fields the efficiency maths reads. */
    static final class Node {
        final String name;
        Node parent;
        TreeMap<String, Node> children;
        long size;
        boolean directory;

        Node(String name, Node parent) {
            this.name = name;
            this.parent = parent;
        }

        boolean isLeaf() {
            return children == null || children.isEmpty();
        }

        boolean isWhiteout() {
            return name.startsWith(LayerEntry.WHITEOUT_PREFIX);
        }

        Node child(String childName) {
            return children == null ? null : children.get(childName);
        }

        Node addChild(String childName) {
            if (children == null) {
                children = new TreeMap<>(GoPath.BYTE_ORDER);
            }
            Node child = new Node(childName, this);
            children.put(childName, child);
            return child;
        }

        /** dive's {@code FileNode.Path()}: the node's own {@code .wh.} prefix is stripped. */
        String path() {
            StringBuilder path = new StringBuilder();
            Node node = this;
            boolean self = true;
            java.util.ArrayDeque<String> names = new java.util.ArrayDeque<>();
            while (node.parent != null) {
                String n = self && node.name.startsWith(LayerEntry.WHITEOUT_PREFIX)
                        ? node.name.substring(LayerEntry.WHITEOUT_PREFIX.length())
                        : node.name;
                names.addFirst(n);
                self = false;
                node = node.parent;
            }
            for (String n : names) {
                path.append('/').append(n);
            }
            return path.length() == 0 ? "/" : path.toString();
        }

        Node copy(Node newParent) {
            Node copy = new Node(name, newParent);
            copy.size = size;
            copy.directory = directory;
            if (children != null) {
                copy.children = new TreeMap<>(GoPath.BYTE_ORDER);
                for (Node child : children.values()) {
                    copy.children.put(child.name, child.copy(copy));
                }
            }
            return copy;
        }

        /** Depth first, children in byte order, each node after its children (the root is never visited). */
        void visitChildFirst(Consumer<Node> visitor) {
            if (children != null) {
                for (Node child : List.copyOf(children.values())) {
                    child.visitChildFirst(visitor);
                }
            }
            if (parent != null) {
                visitor.accept(this);
            }
        }

        /** Σ size over this node and everything below it. */
        long subtreeSize() {
            long total = size;
            if (children != null) {
                for (Node child : children.values()) {
                    total += child.subtreeSize();
                }
            }
            return total;
        }
    }

    /** dive's {@code AddPath}: a path and its payload. */
    void addPath(String path, long size, boolean directory) {
        String clean = GoPath.clean(path);
        if (clean.equals(".")) {
            return;
        }
        List<String> names = GoPath.components(clean);
        Node node = root;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Node existing = node.child(name);
            if (existing != null) {
                node = existing;
            } else {
                if (name.startsWith(LayerEntry.METADATA_PREFIX)) {
                    return;
                }
                node = node.addChild(name);
            }
            if (i == names.size() - 1) {
                node.size = size;
                node.directory = directory;
            }
        }
    }

    /** dive's {@code GetNode}; null when a component is missing. */
    Node get(String path) {
        Node node = root;
        for (String name : GoPath.components(path)) {
            node = node.child(name);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** dive's {@code RemovePath}; false when the path is missing (dive records a path error and goes on). */
    boolean remove(String path) {
        Node node = get(path);
        if (node == null || node == root) {
            return false;
        }
        node.parent.children.remove(node.name);
        return true;
    }

    DiveTree copy() {
        DiveTree copy = new DiveTree();
        if (root.children != null) {
            copy.root.children = new TreeMap<>(GoPath.BYTE_ORDER);
            for (Node child : root.children.values()) {
                copy.root.children.put(child.name, child.copy(copy.root));
            }
        }
        return copy;
    }

    /** dive's {@code Stack}: whiteouts of {@code upper} remove, every other node is added (payload included). */
    void stack(DiveTree upper) {
        upper.root.visitChildFirst(node -> {
            if (node.isWhiteout()) {
                remove(node.path());
            } else {
                addPath(node.path(), node.size, node.directory);
            }
        });
    }

    /** The tree of one layer, built from its entries in tar order. */
    static DiveTree of(LayerIndex layer) {
        DiveTree tree = new DiveTree();
        for (LayerEntry entry : layer.entries()) {
            tree.addPath(entry.name(), entry.headerSize(), entry.diveDirectory());
        }
        return tree;
    }
}
