package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a policy does with a workload whose image is over its limits. */
public enum PolicyAction {
    /** The admission webhook refuses the workload. */
    @JsonProperty("Enforce")
    ENFORCE,
    /** The workload is admitted with a warning that kubectl prints. */
    @JsonProperty("Warn")
    WARN,
    /** The workload is admitted silently; the violation is recorded in status, annotations and Events. */
    @JsonProperty("Audit")
    AUDIT
}
