package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who asked for an image analysis; admission misses are analysed first, so the next attempt can show the result. */
public enum AnalysisRequester {
    /** An admission review that found the image's analysis unknown. */
    @JsonProperty("Admission")
    ADMISSION,
    /** The audit of a running workload. */
    @JsonProperty("Audit")
    AUDIT,
    /** A person (an object created by hand, before a deployment). */
    @JsonProperty("User")
    USER
}
