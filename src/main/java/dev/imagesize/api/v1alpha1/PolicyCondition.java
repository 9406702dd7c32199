package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One observation about a policy, in the shape Kubernetes conventions give conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicyCondition {

    /** The condition type that says whether the policy is valid and has been evaluated. */
    public static final String READY = "Ready";

    @JsonPropertyDescription("Type of the condition, e.g. Ready.")
    @Required
    private String type;

    @JsonPropertyDescription("Status of the condition: True, False or Unknown.")
    @Required
    private String status;

    @JsonPropertyDescription("Machine-readable reason for the last transition, in CamelCase, e.g. Evaluated.")
    private String reason;

    @JsonPropertyDescription("Human-readable explanation of the condition.")
    private String message;

    @JsonPropertyDescription("When status last changed, RFC 3339 (e.g. 2025-01-31T12:00:00Z).")
    private String lastTransitionTime;

    @JsonPropertyDescription("metadata.generation of the policy the condition was computed from.")
    @Min(0)
    @Max(IntegerBounds.LONG)
    private Long observedGeneration;

    public PolicyCondition() {}

    public PolicyCondition(String type, String status, String reason, String message) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getStatus() {
        return status;
    }

    public void setStatus(String status) {
        this.status = status;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getLastTransitionTime() {
        return lastTransitionTime;
    }

    public void setLastTransitionTime(String lastTransitionTime) {
        this.lastTransitionTime = lastTransitionTime;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyCondition c
                && Objects.equals(type, c.type)
                && Objects.equals(status, c.status)
                && Objects.equals(reason, c.reason)
                && Objects.equals(message, c.message)
                && Objects.equals(lastTransitionTime, c.lastTransitionTime)
                && Objects.equals(observedGeneration, c.observedGeneration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, status, reason, message, lastTransitionTime, observedGeneration);
    }

    @Override
    public String toString() {
        return type + "=" + status + " (" + reason + ": " + message + ", since " + lastTransitionTime + ")";
    }
}
