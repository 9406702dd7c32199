package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Status of ClusterImageSizePolicies: the workloads of the namespaces they select, and how many break them. */
@Singleton
@ControllerConfiguration(
        name = "clusterimagesizepolicy",
        fieldManager = WorkloadRecorder.FIELD_MANAGER,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ClusterImageSizePolicyReconciler extends PolicyReconciler<ClusterImageSizePolicy> {
    ClusterImageSizePolicyReconciler(WorkloadAudit audit, MeterRegistry meters) {
        super(audit, PolicyRules::of, ClusterImageSizePolicy::new, Clock.systemUTC(), meters);
    }
}
