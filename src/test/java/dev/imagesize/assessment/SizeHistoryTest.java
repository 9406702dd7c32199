package dev.imagesize.assessment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.Platform;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The size history the audit keeps per workload: what it records on a rollout, its bounds, and defensive reading. */
class SizeHistoryTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Platform ARM64 = Platform.parse("linux/arm64");

    private static String digest(int n) {
        return "sha256:" + String.format("%064x", n);
    }

    private static SizeHistory.Measured api(int release, long bytes) {
        return new SizeHistory.Measured(
                "api", "reg.io/shop/api:1." + release, digest(release), Map.of(Platform.LINUX_AMD64, bytes));
    }

    @Test
    void aRolloutAddsAnEntryNewestFirstAndAnUnchangedDigestAddsNone() {
        SizeHistory history = SizeHistory.EMPTY
                .record(List.of(api(1, 100)), Set.of("api"), T0)
                .record(List.of(api(1, 100)), Set.of("api"), T0.plusSeconds(60))
                .record(List.of(api(2, 140)), Set.of("api"), T0.plusSeconds(120));

        assertThat(history.of("api"))
                .extracting(SizeHistory.Entry::image)
                .containsExactly("reg.io/shop/api:1.2", "reg.io/shop/api:1.1");
        assertThat(history.of("api").get(1).time()).isEqualTo(T0);
        assertThat(history.replacedBy("api", digest(2)).orElseThrow().largestSize())
                .isEqualTo(100);
        assertThat(history.candidates("api")).extracting(Previous::digest).containsExactly(digest(2), digest(1));
    }

    @Test
    void theTextReadsBackAsTheSameHistory() {
        SizeHistory history = SizeHistory.EMPTY.record(
                List.of(new SizeHistory.Measured(
                        "init:migrate", "reg.io/migrate:3", digest(3), Map.of(Platform.LINUX_AMD64, 7L, ARM64, 8L))),
                Set.of("init:migrate"),
                T0);

        assertThat(SizeHistory.parse(history.text())).isEqualTo(history);
        assertThat(history.of("init:migrate").get(0).largestSize()).isEqualTo(8);
    }

    @Test
    void aNewPlatformOfTheSameDigestJoinsItsEntry() {
        SizeHistory history = SizeHistory.EMPTY
                .record(List.of(api(1, 100)), Set.of("api"), T0)
                .record(
                        List.of(new SizeHistory.Measured("api", "reg.io/shop/api:1.1", digest(1), Map.of(ARM64, 90L))),
                        Set.of("api"),
                        T0.plusSeconds(60));

        assertThat(history.entries()).hasSize(1);
        assertThat(history.entries().get(0).sizes()).containsOnlyKeys(Platform.LINUX_AMD64, ARM64);
    }

    @Test
    void boundedPerContainerAndToContainersTheWorkloadStillHas() {
        SizeHistory history = SizeHistory.EMPTY;
        for (int release = 1; release <= 12; release++) {
            history = history.record(
                    List.of(
                            api(release, 100 + release),
                            new SizeHistory.Measured("gone", "reg.io/gone:1", digest(1000), Map.of())),
                    Set.of("api", "gone"),
                    T0.plusSeconds(release));
        }
        assertThat(history.of("api")).hasSize(SizeHistory.PER_CONTAINER);
        assertThat(history.of("api").get(0).image()).isEqualTo("reg.io/shop/api:1.12");

        SizeHistory after = history.record(List.of(api(13, 200)), Set.of("api"), T0.plusSeconds(100));
        assertThat(after.of("gone")).isEmpty();
        assertThat(after.text().length()).isLessThanOrEqualTo(SizeHistory.MAX_TEXT);
    }

    @Test
    void manyContainersStayWithinTheEntryAndTextBoundsKeepingEachContainersNewest() {
        List<SizeHistory.Measured> containers = new ArrayList<>();
        Set<String> slots = new java.util.HashSet<>();
        for (int i = 0; i < 60; i++) {
            String slot = "c" + i;
            slots.add(slot);
            containers.add(new SizeHistory.Measured(
                    slot,
                    "reg.io/very/long/repository/name/for/container-" + i + ":release-1",
                    digest(i),
                    Map.of(Platform.LINUX_AMD64, 1L)));
        }
        SizeHistory history = SizeHistory.EMPTY.record(containers, slots, T0);

        assertThat(history.entries().size()).isLessThanOrEqualTo(SizeHistory.MAX_ENTRIES);
        assertThat(history.text().length()).isLessThanOrEqualTo(SizeHistory.MAX_TEXT);
    }

    @Test
    void whatUsersWroteIntoTheAnnotationIsReadDefensively() {
        String good = SizeHistory.EMPTY
                .record(List.of(api(1, 100)), Set.of("api"), T0)
                .text();

        assertThat(SizeHistory.parse(null)).isEqualTo(SizeHistory.EMPTY);
        assertThat(SizeHistory.parse("not json")).isEqualTo(SizeHistory.EMPTY);
        assertThat(SizeHistory.parse("{\"a\":1}")).isEqualTo(SizeHistory.EMPTY);
        assertThat(SizeHistory.parse("[" + " ".repeat(70 * 1024) + "]")).isEqualTo(SizeHistory.EMPTY);
        String mixed = "[{\"container\":\"api\",\"image\":\"x\",\"digest\":\"md5:1\",\"time\":\"" + T0
                + "\",\"sizes\":{}},{\"container\":\"api\",\"image\":\"reg.io/a:1\",\"digest\":\"" + digest(1)
                + "\",\"time\":\"yesterday\",\"sizes\":{}},{\"container\":\"api\",\"image\":\"reg.io/a:1\","
                + "\"digest\":\"" + digest(1) + "\",\"time\":\"" + T0 + "\",\"sizes\":{\"linux/amd64\":-5}},"
                + good.substring(1);
        assertThat(SizeHistory.parse(mixed).entries()).hasSize(1);
        assertThat(SizeHistory.of(Map.of(SizeHistory.ANNOTATION, good)).entries())
                .hasSize(1);
    }
}
