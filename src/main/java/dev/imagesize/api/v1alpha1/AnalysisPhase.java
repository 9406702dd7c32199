package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where an image analysis is. */
public enum AnalysisPhase {
    /** Queued. */
    @JsonProperty("Pending")
    PENDING,
    /** Not queued: the analyzer's queue is full; queued when there is room. */
    @JsonProperty("Deferred")
    DEFERRED,
    /** Being analysed. */
    @JsonProperty("Analyzing")
    ANALYZING,
    /** Every layer analysed; the result is in status. */
    @JsonProperty("Complete")
    COMPLETE,
    /** Could not be analysed (fully); the message and conditions say why; retried after nextAttemptAt when that may help. */
    @JsonProperty("Failed")
    FAILED;

    /** The name as written in the API. */
    public String apiName() {
        return switch (this) {
            case PENDING -> "Pending";
            case DEFERRED -> "Deferred";
            case ANALYZING -> "Analyzing";
            case COMPLETE -> "Complete";
            case FAILED -> "Failed";
        };
    }
}
