package dev.imagesize.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Reports stay under etcd's 1.5 MiB however many workloads a namespace has, and change one part at a time. */
class ReportPartsTest {
    private static final int ETCD_LIMIT = 1_572_864;
    private static final int DEFAULT_BUDGET = 1_000_000;
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Rule ENFORCE =
            Fixtures.rule("big", "budget", Rule.Action.ENFORCE, new Limits(1_000_000L, null, 30));
    private static final Rule BASELINE =
            Fixtures.rule(null, "baseline", Rule.Action.WARN, new Limits(5_000_000L, null, null));

    /** Workload {@code i}: over the namespace's budget when {@code i} is odd, with a long image name. */
    private static List<ReportResult> workload(int i) {
        String reference = "registry.example.com/team-" + (i % 50) + "/service-with-a-long-name-" + i + ":1.0." + i;
        ImageSize size = Fixtures.size(
                reference,
                "sha256:" + String.format("%064x", i),
                Platform.LINUX_AMD64,
                i % 2 == 1 ? 1_200_000 : 400_000,
                300_000);
        return WorkloadResults.of(new FindingsStore.Audited(
                "Deployment",
                "big",
                "service-" + i,
                "00000000-0000-0000-0000-" + String.format("%012d", i),
                List.of(Fixtures.measured(ENFORCE, "main", size), Fixtures.measured(BASELINE, "main", size))));
    }

    private static List<ReportResult> workloads(int count) {
        List<ReportResult> results = new ArrayList<>();
        IntStream.range(0, count).forEach(i -> results.addAll(workload(i)));
        return results;
    }

    private static int bytes(ReportApi api, ReportParts.Part part) {
        return SERIALIZATION
                .asJson(ReportDocuments.document(api, "big", part, r -> Instant.parse("2026-12-01T10:00:00Z")))
                .getBytes(StandardCharsets.UTF_8)
                .length;
    }

    @Test
    void aSmallNamespaceIsOneReport() {
        List<ReportParts.Part> parts = ReportParts.split(workloads(3), ReportDocuments::size, DEFAULT_BUDGET, 16, 0);
        assertThat(parts).singleElement().satisfies(part -> {
            assertThat(part.name()).isEqualTo("image-size-operator");
            assertThat(part.results()).hasSize(6);
            assertThat(part.omitted()).isZero();
            assertThat(part.results())
                    .extracting(r -> r.resource().name())
                    .as("ordered by workload")
                    .containsExactly("service-0", "service-0", "service-1", "service-1", "service-2", "service-2");
        });
    }

    @Test
    void fiveThousandWorkloadsAreSplitIntoPartsThatEachFitWithEveryResultOnce() {
        List<ReportResult> results = workloads(5_000);
        List<ReportParts.Part> parts = ReportParts.split(results, ReportDocuments::size, DEFAULT_BUDGET, 16, 0);

        assertThat(parts.size()).as("a power of two of parts").isIn(4, 8, 16);
        Map<String, String> partOfWorkload = new HashMap<>();
        int total = 0;
        for (ReportParts.Part part : parts) {
            assertThat(part.name()).isEqualTo("image-size-operator-" + part.index() + "-of-" + parts.size());
            assertThat(part.omitted()).isZero();
            for (ReportApi api : ReportApi.values()) {
                assertThat(bytes(api, part))
                        .as("%s of %s", part.name(), api)
                        .isLessThanOrEqualTo(DEFAULT_BUDGET)
                        .isLessThan(ETCD_LIMIT);
            }
            for (ReportResult result : part.results()) {
                String before = partOfWorkload.put(result.resource().name(), part.name());
                assertThat(before).as("a workload's results stay together").isIn(null, part.name());
            }
            total += part.results().size();
        }
        assertThat(total).isEqualTo(results.size());
        assertThat(partOfWorkload).hasSize(5_000);
    }

    @Test
    void oneMoreWorkloadChangesOnePartOnly() {
        List<ReportResult> results = workloads(2_000);
        List<ReportParts.Part> before = ReportParts.split(results, ReportDocuments::size, DEFAULT_BUDGET, 16, 0);
        List<ReportResult> more = new ArrayList<>(results);
        more.addAll(workload(2_000));
        List<ReportParts.Part> after =
                ReportParts.split(more, ReportDocuments::size, DEFAULT_BUDGET, 16, before.size());

        assertThat(after).hasSameSizeAs(before);
        long changed = IntStream.range(0, before.size())
                .filter(i -> !ReportDocuments.hash(ReportApi.OPENREPORTS, "big", before.get(i))
                        .equals(ReportDocuments.hash(ReportApi.OPENREPORTS, "big", after.get(i))))
                .count();
        assertThat(changed).isEqualTo(1);
    }

    @Test
    void aNamespaceThatShrinksKeepsItsPartsUntilHalvesFitComfortably() {
        List<ReportResult> results = workloads(2_000);
        int needed = ReportParts.split(results, ReportDocuments::size, DEFAULT_BUDGET, 16, 0)
                .size();
        assertThat(needed).isGreaterThan(1);
        // a namespace whose results fill half as many parts to seven eighths: a fresh split takes half the parts, the
        // current split is kept (its halves would be over three quarters full)
        long target = (long) (DEFAULT_BUDGET * 0.875) * (needed / 2);
        List<ReportResult> fewer = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; bytes < target; i += 2) {
            fewer.addAll(results.subList(i, i + 2));
            bytes += ReportDocuments.size(results.get(i)) + ReportDocuments.size(results.get(i + 1));
        }
        int fresh = ReportParts.split(fewer, ReportDocuments::size, DEFAULT_BUDGET, 16, 0)
                .size();
        int kept = ReportParts.split(fewer, ReportDocuments::size, DEFAULT_BUDGET, 16, needed)
                .size();
        assertThat(fresh).isEqualTo(needed / 2);
        assertThat(kept).isEqualTo(needed);
        List<ReportResult> few = results.subList(0, 20);
        assertThat(ReportParts.split(few, ReportDocuments::size, DEFAULT_BUDGET, 16, needed))
                .as("a namespace that shrank a lot is one report again")
                .singleElement()
                .extracting(ReportParts.Part::name)
                .isEqualTo("image-size-operator");
    }

    @Test
    void beyondTheMostPartsPassesAreLeftOutFirstAndTheReportSaysHowMany() {
        List<ReportResult> results = workloads(400);
        int budget = 160 * 1024;
        List<ReportParts.Part> parts = ReportParts.split(results, ReportDocuments::size, budget, 2, 0);

        assertThat(parts).hasSize(2);
        int kept = 0;
        int omitted = 0;
        for (ReportParts.Part part : parts) {
            assertThat(bytes(ReportApi.WGPOLICYK8S, part)).isLessThanOrEqualTo(budget);
            assertThat(part.omitted()).isPositive();
            kept += part.results().size();
            omitted += part.omitted();
            List<ReportResult.Outcome> outcomes =
                    part.results().stream().map(ReportResult::result).toList();
            assertThat(outcomes).as("failures are kept before passes").contains(ReportResult.Outcome.FAIL);
        }
        assertThat(kept + omitted).isEqualTo(results.size());
        long failures = results.stream()
                .filter(r -> r.result() == ReportResult.Outcome.FAIL)
                .count();
        long keptFailures = parts.stream()
                .flatMap(p -> p.results().stream())
                .filter(r -> r.result() == ReportResult.Outcome.FAIL)
                .count();
        assertThat(keptFailures)
                .as("every failure fits: only passes and warnings are left out")
                .isEqualTo(failures);
    }
}
