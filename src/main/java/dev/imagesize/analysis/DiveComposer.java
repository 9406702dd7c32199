package dev.imagesize.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes dive's efficiency, wasted bytes and inefficient files with every quirk of dive v0.13.1 kept: every copy of
 * a path counts as waste (the surviving one too), opaque markers are ignored, a directory whiteout charges the old
 * subtree to the directory path only when the stacked directory carries directory data, file whiteouts count 0,
 * only leaves of each layer's tree count, and a whiteout of a missing path ends that layer's walk (leaving a -1 in
 * the sum of minimums, as dive's map entry does). Unlike dive, the stacked tree below layer i is built once per
 * layer, not once per whiteout.
 */
public final class DiveComposer {
    private DiveComposer() {}

    private static final class PathStats {
        int count;
        long cumulative;
        long min = -1;
    }

    public static DiveResult compose(List<LayerIndex> layers) {
        List<DiveTree> trees = new ArrayList<>(layers.size());
        boolean wouldFail = false;
        List<Long> sizes = new ArrayList<>();
        for (LayerIndex layer : layers) {
            trees.add(DiveTree.of(layer));
            sizes.add(layer.diveSizeBytes());
            wouldFail |= layer.paxGlobalHeader();
        }
        Map<String, PathStats> stats = new HashMap<>();
        List<String> inefficientOrder = new ArrayList<>();
        List<Integer> aborted = new ArrayList<>();

        DiveTree stacked = trees.isEmpty() ? null : trees.get(0).copy();
        int stackedThrough = -1; // stacked = copy(T0) stacked with T0..T_stackedThrough
        for (int i = 0; i < trees.size(); i++) {
            List<DiveTree.Node> leaves = new ArrayList<>();
            trees.get(i).root.visitChildFirst(node -> {
                if (node.isLeaf()) {
                    leaves.add(node);
                }
            });
            DiveTree below = null;
            for (DiveTree.Node leaf : leaves) {
                String path = leaf.path();
                PathStats data = stats.computeIfAbsent(path, p -> new PathStats());
                long size;
                if (leaf.isWhiteout()) {
                    if (below == null) {
                        if (i == 0) {
                            below = trees.get(0).copy();
                        } else {
                            while (stackedThrough < i - 1) {
                                stacked.stack(trees.get(++stackedThrough));
                            }
                            below = stacked;
                        }
                    }
                    DiveTree.Node previous = below.get(path);
                    if (previous == null) {
                        aborted.add(i);
                        break; // dive: "path does not exist" ends the walk of this layer
                    }
                    size = previous.directory ? previous.subtreeSize() : 0;
                } else {
                    size = leaf.size;
                }
                data.cumulative += size;
                if (data.min < 0 || size < data.min) {
                    data.min = size;
                }
                data.count++;
                if (data.count == 2) {
                    inefficientOrder.add(path);
                }
            }
        }

        long minimums = 0;
        long cumulative = 0;
        for (PathStats data : stats.values()) {
            minimums += data.min;
            cumulative += data.cumulative;
        }
        double score = cumulative == 0 ? 1.0 : (double) minimums / (double) cumulative;

        long wasted = 0;
        long reclaimable = 0;
        List<DiveResult.InefficientFile> files = new ArrayList<>();
        for (String path : inefficientOrder) {
            PathStats data = stats.get(path);
            wasted += data.cumulative;
            reclaimable += data.cumulative - Math.max(0, data.min);
            files.add(new DiveResult.InefficientFile(path, data.count, data.cumulative));
        }
        files.sort(Comparator.comparingLong(DiveResult.InefficientFile::sizeBytes)
                .reversed()
                .thenComparing(DiveResult.InefficientFile::file, GoPath.BYTE_ORDER));

        long total = 0;
        long user = 0;
        for (int i = 0; i < sizes.size(); i++) {
            total += sizes.get(i);
            if (i != 0) {
                user += sizes.get(i);
            }
        }
        double userWasted = (double) wasted / (double) user;
        return new DiveResult(score, wasted, total, user, userWasted, reclaimable, files, sizes, wouldFail, aborted);
    }
}
