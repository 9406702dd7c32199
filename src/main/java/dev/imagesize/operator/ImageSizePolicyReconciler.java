package dev.imagesize.operator;

import dev.imagesize.api.v1alpha1.ImageSizePolicy;
import dev.imagesize.policy.Rule;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;

/** Status of ImageSizePolicies: the workloads of their namespace they govern, and how many break them. */
@ControllerConfiguration(name = "imagesizepolicy", triggerReconcilerOnAllEvents = true)
public final class ImageSizePolicyReconciler extends PolicyStatusReconciler<ImageSizePolicy> {
    public ImageSizePolicyReconciler(Inputs inputs) {
        super(Rule.NAMESPACED_KIND, ImageSizePolicy::new, inputs);
    }
}
