package dev.imagesize.report;

import dev.imagesize.Config;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.operator.FindingsStore;
import dev.imagesize.operator.Identity;
import dev.imagesize.operator.LeaderTask;
import dev.imagesize.operator.WorkloadAudit;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

/** Wires the policy reports and the per-policy gauges to the audit: they publish what each pass found. */
public class ReportsProducer {

    /** Registered with the leader-only work by this name (the operator package does not know this one). */
    @Produces
    @Singleton
    @Named("reporting")
    LeaderTask reportingTasks(
            KubernetesClient client,
            ClusterView cluster,
            FindingsStore store,
            WorkloadAudit audit,
            Identity identity,
            Config config,
            MeterRegistry meters) {
        UnresolvedGauges unresolved = new UnresolvedGauges(cluster, store, meters);
        audit.onPass(unresolved::auditPassed);
        return new ReportingTasks(unresolved, reporter(client, cluster, store, audit, identity, config, meters));
    }

    /** The policy reporter the settings ask for, or null when reports are off. */
    private static PolicyReporter reporter(
            KubernetesClient client,
            ClusterView cluster,
            FindingsStore store,
            WorkloadAudit audit,
            Identity identity,
            Config config,
            MeterRegistry meters) {
        Config.Reports reports = config.reports();
        ReportMode mode = ReportMode.parse(reports.mode());
        if (mode == ReportMode.OFF) {
            return null;
        }
        PolicyReporter.Settings settings = new PolicyReporter.Settings(
                mode,
                reports.discoveryInterval(),
                reports.maxReportBytes(),
                reports.maxParts(),
                config.audit().interval(),
                config.policies().failClosed());
        return PolicyReporter.create(settings, client, identity, cluster, store, audit, meters);
    }
}
