package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What admission does when an image's size cannot be determined in time (registry down, no credentials). */
public enum ResolveErrorAction {
    /** Admit the workload silently. */
    @JsonProperty("Allow")
    ALLOW,
    /** Admit the workload with a warning. */
    @JsonProperty("Warn")
    WARN,
    /** Refuse the workload. */
    @JsonProperty("Deny")
    DENY
}
