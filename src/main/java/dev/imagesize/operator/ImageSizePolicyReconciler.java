package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Status of ImageSizePolicies: the workloads of their namespace that they govern, and how many break them. */
@Singleton
@ControllerConfiguration(
        name = "imagesizepolicy",
        fieldManager = WorkloadRecorder.FIELD_MANAGER,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ImageSizePolicyReconciler extends PolicyReconciler<ImageSizePolicy> {
    ImageSizePolicyReconciler(WorkloadAudit audit, MeterRegistry meters) {
        super(audit, PolicyRules::of, ImageSizePolicy::new, Clock.systemUTC(), meters);
    }
}
