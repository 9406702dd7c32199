package dev.imagesize.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.cluster.PolicyId;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit's findings, read back per policy by the status reconciler. */
class FindingsStoreTest {
    private static final Rule SHOP = Fixtures.rule("shop", "budget", Rule.Action.AUDIT, new Limits(100L, null, null));
    private static final Rule BASELINE =
            Fixtures.rule(null, "baseline", Rule.Action.WARN, new Limits(10_000L, null, null));

    @Test
    void eachPolicySeesTheWorkloadsItGovernsWithItsOwnFindingsOnly() {
        var size = Fixtures.size("reg.io/shop/app:1", "sha256:" + "a".repeat(64), Platform.LINUX_AMD64, 500);
        FindingsStore store = new FindingsStore();
        store.put(
                "Deployment/shop/app",
                new FindingsStore.Audited(
                        "Deployment",
                        "shop",
                        "app",
                        List.of(Fixtures.measured(SHOP, "app", size), Fixtures.measured(BASELINE, "app", size))));
        store.put(
                "Pod/other/solo",
                new FindingsStore.Audited("Pod", "other", "solo", List.of(Fixtures.measured(BASELINE, "solo", size))));

        assertThat(store.forPolicy(PolicyId.of(SHOP))).singleElement().satisfies(a -> assertThat(a.findings())
                .extracting(f -> f.rule().name())
                .containsExactly("budget"));
        assertThat(store.forPolicy(PolicyId.of(BASELINE)))
                .extracting(FindingsStore.Audited::name)
                .containsExactlyInAnyOrder("app", "solo");
        assertThat(store.forPolicy(new PolicyId(Rule.NAMESPACED_KIND, "shop", "gone")))
                .isEmpty();

        assertThat(store.drainChanged()).containsExactlyInAnyOrder(PolicyId.of(SHOP), PolicyId.of(BASELINE));
        assertThat(store.drainChanged()).as("told once").isEmpty();

        store.put(
                "Pod/other/solo",
                new FindingsStore.Audited("Pod", "other", "solo", List.of(Fixtures.measured(BASELINE, "solo", size))));
        assertThat(store.drainChanged())
                .as("the same findings again change nothing")
                .isEmpty();

        store.put(
                "Pod/other/solo",
                new FindingsStore.Audited(
                        "Pod", "other", "solo", null, List.of(Fixtures.measured(BASELINE, "solo", size)), "pod-solo"));
        assertThat(store.drainChanged())
                .as("the workload's report named: its policies' statuses point to it")
                .containsExactly(PolicyId.of(BASELINE));
        assertThat(store.forPolicy(PolicyId.of(BASELINE)))
                .filteredOn(a -> a.name().equals("solo"))
                .singleElement()
                .extracting(FindingsStore.Audited::report)
                .isEqualTo("pod-solo");

        assertThat(store.keysWhere(f -> f.container().name().equals("solo")))
                .as("the workloads with a finding the test accepts (an analysis settled: who runs its image)")
                .containsExactly("Pod/other/solo");
        assertThat(store.keysWhere(f -> f.rule().name().equals("baseline")))
                .containsExactlyInAnyOrder("Deployment/shop/app", "Pod/other/solo");

        store.remove("Pod/other/solo");
        assertThat(store.forPolicy(PolicyId.of(BASELINE))).hasSize(1);
        assertThat(store.drainChanged()).containsExactly(PolicyId.of(BASELINE));
        store.markFirstPassDone();
        assertThat(store.firstPassDone()).isTrue();
        store.clear();
        assertThat(store.size()).isZero();
        assertThat(store.firstPassDone()).as("a new term starts over").isFalse();
    }
}
