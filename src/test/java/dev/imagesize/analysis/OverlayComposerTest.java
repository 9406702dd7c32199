package dev.imagesize.analysis;

import static dev.imagesize.testing.TestLayers.layer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.TestLayers;
import org.junit.jupiter.api.Test;

/** OCI layer semantics on synthetic layers: what is visible, what is hidden, and why. */
class OverlayComposerTest {

    @Test
    void theSurvivingCopyOfAnOverwrittenFileIsNotWaste() {
        OverlayResult overlay =
                OverlayComposer.compose(Indexes.of(layer().dir("a").file("a/f", 100, 1), layer().file("a/f", 100, 2)));
        assertThat(overlay.shippedBytes()).isEqualTo(200);
        assertThat(overlay.visibleBytes()).isEqualTo(100);
        assertThat(overlay.hidden()).containsExactly(new HiddenChunk("/a/f", 100, 0, 1, HiddenCause.OVERWRITTEN));
    }

    @Test
    void aDirectoryWhiteoutHidesTheWholeSubtree() {
        OverlayResult overlay = OverlayComposer.compose(
                Indexes.of(layer().dir("d").file("d/x", 30, 1).file("d/y", 20, 2), layer().whiteout("d")));
        assertThat(overlay.visibleBytes()).isZero();
        assertThat(overlay.hiddenByCause()).containsEntry(HiddenCause.DELETED_BY_WHITEOUT, 50L);
    }

    @Test
    void anOpaqueDirectoryHidesLowerChildrenButKeepsItsOwn() {
        OverlayResult overlay = OverlayComposer.compose(Indexes.of(
                layer().dir("o").file("o/old", 40, 1).file("keep", 3, 3),
                layer().dir("o").opaque("o").file("o/new", 10, 2)));
        assertThat(overlay.visibleBytes()).isEqualTo(13);
        assertThat(overlay.hidden())
                .containsExactly(new HiddenChunk("/o/old", 40, 0, 1, HiddenCause.HIDDEN_BY_OPAQUE_DIRECTORY));
    }

    @Test
    void aHardlinkKeepsContentVisibleAfterTheFirstPathIsDeleted() {
        OverlayResult overlay = OverlayComposer.compose(
                Indexes.of(layer().dir("h").file("h/a", 60, 1).hardlink("h/b", "h/a"), layer().whiteout("h/a")));
        assertThat(overlay.shippedBytes()).isEqualTo(60);
        assertThat(overlay.visibleBytes()).isEqualTo(60);
        assertThat(overlay.visible()).extracting(VisibleFile::path).containsExactly("/h/b");
        assertThat(overlay.hidden()).isEmpty();
    }

    @Test
    void hardlinkedContentCountsOnce() {
        OverlayResult overlay = OverlayComposer.compose(
                Indexes.of(layer().file("a", 60, 1).hardlink("b", "a").hardlink("c", "a")));
        assertThat(overlay.visibleBytes()).isEqualTo(60);
        assertThat(overlay.visible()).hasSize(1);
    }

    @Test
    void aChmodCopyIsSameContentRewritten() {
        byte[] tool = TestLayers.content(70, 9);
        OverlayResult overlay = OverlayComposer.compose(Indexes.of(
                layer().file("bin/tool", tool, 0644, 0, 0), layer().file("bin/tool", tool, 0755, 1000, 1000)));
        assertThat(overlay.hidden())
                .containsExactly(new HiddenChunk("/bin/tool", 70, 0, 1, HiddenCause.SAME_CONTENT_REWRITTEN));
    }

    @Test
    void whiteoutsApplyOnlyToLowerLayers() {
        OverlayResult overlay = OverlayComposer.compose(
                Indexes.of(layer().file("x", 5, 1), layer().file("x", 6, 2).whiteout("x")));
        assertThat(overlay.visibleBytes()).isEqualTo(6);
        assertThat(overlay.hidden()).containsExactly(new HiddenChunk("/x", 5, 0, 1, HiddenCause.DELETED_BY_WHITEOUT));
    }

    @Test
    void aFileReplacingADirectoryHidesTheDirectorysFiles() {
        OverlayResult overlay =
                OverlayComposer.compose(Indexes.of(layer().dir("p").file("p/in", 8, 1), layer().file("p", 4, 2)));
        assertThat(overlay.visibleBytes()).isEqualTo(4);
        assertThat(overlay.hiddenByCause()).containsEntry(HiddenCause.OVERWRITTEN, 8L);
    }

    @Test
    void aWhiteoutOfAMissingPathChangesNothing() {
        OverlayResult overlay = OverlayComposer.compose(
                Indexes.of(layer().file("a", 10, 1), layer().whiteout("missing").file("b", 5, 2)));
        assertThat(overlay.visibleBytes()).isEqualTo(15);
        assertThat(overlay.hiddenBytes()).isZero();
    }

    @Test
    void shippedIsVisiblePlusHidden() {
        OverlayResult overlay = OverlayComposer.compose(Indexes.of(
                layer().dir("a").file("a/1", 11, 1).file("a/2", 12, 2).hardlink("a/3", "a/1"),
                layer().whiteout("a/1").file("a/2", 13, 3).opaque("a"),
                layer().file("a/4", 14, 4)));
        assertThat(overlay.visibleBytes() + overlay.hiddenBytes()).isEqualTo(overlay.shippedBytes());
    }
}
