package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ClusterImageSizePolicy;
import dev.imagesize.policy.Rule;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;

/** Status of ClusterImageSizePolicies: the workloads of the namespaces they select, and how many break them. */
@ControllerConfiguration(name = "clusterimagesizepolicy", triggerReconcilerOnAllEvents = true)
public final class ClusterImageSizePolicyReconciler extends PolicyStatusReconciler<ClusterImageSizePolicy> {
    public ClusterImageSizePolicyReconciler(Inputs inputs) {
        super(Rule.CLUSTER_KIND, ClusterImageSizePolicy::new, inputs);
    }
}
