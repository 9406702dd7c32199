package dev.imagesize.analysis;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.analysis.DiveResult.InefficientFile;
import org.junit.jupiter.api.Test;

/**
 * dive's figures on synthetic layers, one quirk of the design's table 1.4 per test, each expected value derived by hand
 * from dive v0.13.1's rules (DiveConformanceIT checks the same shapes against the real dive).
 */
class DiveComposerTest {

    @Test
    void everyCopyOfAnOverwrittenFileCountsAsWasteTheSurvivorToo() { // Q1
        DiveResult dive =
                DiveComposer.compose(Indexes.of(layer().dir("a").file("a/f", 100, 1), layer().file("a/f", 100, 2)));
        assertThat(dive.efficiencyScore()).isEqualTo(0.5);
        assertThat(dive.inefficientBytes()).isEqualTo(200);
        assertThat(dive.reclaimableBytes()).isEqualTo(100);
        assertThat(dive.inefficientFiles()).containsExactly(new InefficientFile("/a/f", 2, 200));
        assertThat(dive.layerSizes()).containsExactly(100L, 100L);
        assertThat(dive.userSizeBytes()).isEqualTo(100);
        assertThat(dive.userWastedPercent()).isEqualTo(2.0);
    }

    @Test
    void aFileWhiteoutCountsZeroSoTheDeletedFileIsAllWaste() { // Q4
        DiveResult dive = DiveComposer.compose(Indexes.of(layer().file("f", 50, 1), layer().whiteout("f")));
        assertThat(dive.efficiencyScore()).isEqualTo(0.0);
        assertThat(dive.inefficientBytes()).isEqualTo(50);
        assertThat(dive.inefficientFiles()).containsExactly(new InefficientFile("/f", 2, 50));
        assertThat(dive.userSizeBytes()).isZero();
        assertThat(dive.userWastedPercent()).isInfinite();
    }

    @Test
    void aDirectoryWhiteoutChargesTheSubtreeToTheDirectoryPathAndRaisesTheScore() { // Q3, Q10
        DiveResult dive = DiveComposer.compose(
                Indexes.of(layer().dir("d").file("d/x", 30, 1).file("d/y", 20, 2), layer().whiteout("d")));
        assertThat(dive.efficiencyScore()).isEqualTo(1.0);
        assertThat(dive.inefficientBytes()).isZero();
        assertThat(dive.inefficientFiles()).isEmpty();
    }

    @Test
    void aDirectoryWhiteoutCountsOnlyWhenTheDirectoryWasAlsoALeafBefore() { // Q3
        DiveResult dive = DiveComposer.compose(
                Indexes.of(layer().dir("d"), layer().dir("d").file("d/x", 30, 1), layer().whiteout("d")));
        assertThat(dive.efficiencyScore()).isEqualTo(0.5);
        assertThat(dive.inefficientBytes()).isEqualTo(30);
        assertThat(dive.inefficientFiles()).containsExactly(new InefficientFile("/d", 2, 30));
    }

    @Test
    void aDirectoryKnownOnlyImplicitlyInTheStackCountsZeroWhenDeleted() { // Q3: dive's stacking resets the payload
        DiveResult dive = DiveComposer.compose(
                Indexes.of(layer().dir("d").file("d/x", 30, 1), layer().file("d/y", 5, 2), layer().whiteout("d")));
        assertThat(dive.efficiencyScore()).isEqualTo(1.0);
        assertThat(dive.inefficientBytes()).isZero();
    }

    @Test
    void opaqueMarkersAreIgnored() { // Q2
        DiveResult dive = DiveComposer.compose(Indexes.of(
                layer().dir("o").file("o/old", 40, 1),
                layer().dir("o").opaque("o").file("o/new", 10, 2)));
        assertThat(dive.efficiencyScore()).isEqualTo(1.0);
        assertThat(dive.inefficientBytes()).isZero();
        assertThat(dive.layerSizes()).containsExactly(40L, 10L);
    }

    @Test
    void hardlinksCountZeroAndAreDeletedLikeFiles() { // Q6
        DiveResult dive = DiveComposer.compose(
                Indexes.of(layer().dir("h").file("h/a", 60, 1).hardlink("h/b", "h/a"), layer().whiteout("h/a")));
        assertThat(dive.efficiencyScore()).isEqualTo(0.0);
        assertThat(dive.inefficientBytes()).isEqualTo(60);
        assertThat(dive.layerSizes()).containsExactly(60L, 0L);
    }

    @Test
    void aChmodCopyIsWasteByPath() { // Q5
        byte[] tool = dev.imagesize.testing.TestLayers.content(70, 9);
        DiveResult dive = DiveComposer.compose(
                Indexes.of(layer().file("bin/tool", tool, 0644, 0, 0), layer().file("bin/tool", tool, 0755, 0, 0)));
        assertThat(dive.efficiencyScore()).isEqualTo(0.5);
        assertThat(dive.inefficientBytes()).isEqualTo(140);
    }

    @Test
    void anEmptyLayerAddsNothingAndZeroUserBytesGiveNaN() {
        DiveResult dive = DiveComposer.compose(Indexes.of(layer().file("f", 10, 1), layer()));
        assertThat(dive.efficiencyScore()).isEqualTo(1.0);
        assertThat(dive.layerSizes()).containsExactly(10L, 0L);
        assertThat(dive.userWastedPercent()).isNaN();
    }

    @Test
    void aWhiteoutOfAMissingPathEndsTheLayersWalkAndLeavesMinusOne() { // Q7
        DiveResult dive = DiveComposer.compose(Indexes.of(
                layer().file("a", 10, 1),
                layer().whiteout("missing").file("b", 5, 2).file("c", 7, 3)));
        assertThat(dive.efficiencyScore()).isEqualTo(0.9);
        assertThat(dive.abortedLayers()).containsExactly(1);
        assertThat(dive.layerSizes()).containsExactly(10L, 12L);
    }

    @Test
    void emptyDirectoriesSeenTwiceAreListedWithZeroBytes() {
        DiveResult dive = DiveComposer.compose(Indexes.of(layer().dir("tmp"), layer().dir("tmp")));
        assertThat(dive.efficiencyScore()).isEqualTo(1.0);
        assertThat(dive.inefficientFiles()).containsExactly(new InefficientFile("/tmp", 2, 0));
    }
}
