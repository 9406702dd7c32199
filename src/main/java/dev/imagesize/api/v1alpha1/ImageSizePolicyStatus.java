package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the operator last observed for a policy: counts and a bounded list of the worst violations. Equal statuses
 * mean nothing to patch. A stored status that cannot be decoded decodes as none (the next status replaces it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(using = LenientDecoder.Status.class)
public class ImageSizePolicyStatus {

    /** Most violations kept in {@link #getTopViolations()}; the rest are only counted. */
    public static final int MAX_TOP_VIOLATIONS = 20;

    @JsonPropertyDescription("metadata.generation of the policy this status was computed from.")
    @Min(0)
    @Max(IntegerBounds.LONG)
    private Long observedGeneration;

    @JsonPropertyDescription("Conditions of the policy; Ready is True once the policy has been evaluated against"
            + " the cluster's workloads.")
    private List<PolicyCondition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Number of workloads the policy selects and has evaluated.")
    @Min(0)
    @Max(IntegerBounds.INT)
    private Integer workloads;

    @JsonPropertyDescription("Number of evaluated workloads with at least one image over a limit.")
    @Min(0)
    @Max(IntegerBounds.INT)
    private Integer violations;

    @JsonPropertyDescription("Number of selected workloads with an image whose size could not be determined"
            + " (registry unreachable, no credentials, unknown image).")
    @Min(0)
    @Max(IntegerBounds.INT)
    private Integer unresolved;

    @JsonPropertyDescription(
            "The largest violations, largest image first, at most 20; the violations count covers" + " them all.")
    @Size(max = MAX_TOP_VIOLATIONS)
    private List<Violation> topViolations = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<PolicyCondition> getConditions() {
        return conditions;
    }

    public void setConditions(List<PolicyCondition> conditions) {
        this.conditions = conditions;
    }

    public Integer getWorkloads() {
        return workloads;
    }

    public void setWorkloads(Integer workloads) {
        this.workloads = workloads;
    }

    public Integer getViolations() {
        return violations;
    }

    public void setViolations(Integer violations) {
        this.violations = violations;
    }

    public Integer getUnresolved() {
        return unresolved;
    }

    public void setUnresolved(Integer unresolved) {
        this.unresolved = unresolved;
    }

    public List<Violation> getTopViolations() {
        return topViolations;
    }

    public void setTopViolations(List<Violation> topViolations) {
        this.topViolations = topViolations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageSizePolicyStatus s
                && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions)
                && Objects.equals(workloads, s.workloads)
                && Objects.equals(violations, s.violations)
                && Objects.equals(unresolved, s.unresolved)
                && Objects.equals(topViolations, s.topViolations);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, workloads, violations, unresolved, topViolations);
    }

    @Override
    public String toString() {
        return "observedGeneration=" + observedGeneration + ", workloads=" + workloads + ", violations=" + violations
                + ", unresolved=" + unresolved + ", conditions=" + conditions + ", topViolations=" + topViolations;
    }
}
