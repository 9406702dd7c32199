package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * Which workloads a policy covers, the size limits their images must keep, and what happens when they do not. Decodes
 * whatever was stored: a spec Jackson cannot map is {@link #undecodable()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(using = LenientDecoder.NamespacedSpec.class)
public class ImageSizePolicySpec extends SizeLimits {

    private static final String PLATFORM_REGEX = "'^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9.]+)?$'";
    private static final String PLATFORM_MESSAGE =
            "platforms must be written os/arch or os/arch/variant in lower case, such as linux/amd64 or linux/arm64/v8";

    @JsonPropertyDescription("What happens to a workload with an image over a limit: Enforce refuses it at admission,"
            + " Warn admits it with a warning kubectl prints, Audit admits it and only records the violation (status,"
            + " workload annotations, Events). Existing workloads are audited whatever the action. Default Enforce.")
    @Default("Enforce")
    private PolicyAction action = PolicyAction.ENFORCE;

    @JsonPropertyDescription("Label selector on the labels of the pod template (or of the Pod itself); the policy"
            + " applies to the workloads it matches. Empty or unset selects every workload.")
    @SchemaFrom(type = LabelSelectorSchema.class)
    private LabelSelector selector;

    @JsonPropertyDescription("Platforms whose images are measured, as os/arch or os/arch/variant (e.g. linux/amd64,"
            + " linux/arm64/v8; at most 16); each one must keep the limits. Unset: the platforms of the cluster's"
            + " Nodes, or linux/amd64 when those are unknown.")
    @Size(max = 16)
    @ValidationRule(
            value = "self.all(p, p.matches(" + PLATFORM_REGEX + "))",
            message = PLATFORM_MESSAGE,
            messageExpression = "'" + PLATFORM_MESSAGE + "; not valid: \"' + self.filter(p, !p.matches("
                    + PLATFORM_REGEX + "))[0] + '\"'")
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    private List<@Size(max = 64) String> platforms = new ArrayList<>();

    @JsonPropertyDescription("Images this policy never checks.")
    private Exclusions exclude;

    @JsonPropertyDescription("Other limits for some images (at most 32). The first override whose globs match an"
            + " image wins; it replaces the limits it sets and keeps the policy's other limits.")
    @Size(max = 32)
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    private List<LimitOverride> overrides = new ArrayList<>();

    @JsonPropertyDescription("What admission does when an image's size cannot be determined in time (registry"
            + " unreachable, no credentials, unknown image): Allow admits silently, Warn admits with a warning, Deny"
            + " refuses. Such workloads are counted as unresolved in status. Default Warn.")
    @Default("Warn")
    private ResolveErrorAction onResolveError = ResolveErrorAction.WARN;

    /** Why the stored spec could not be decoded; null when it could. Never part of the schema or of what is written. */
    @JsonIgnore
    private String undecodable;

    /**
     * Why the stored spec could not be decoded ({@code spec.maxLayers: Numeric value (3000000000) out of range of int
     * ...}), or null when it could. When it is set, every other field holds its default and means nothing: such a
     * policy cannot be used.
     */
    public String undecodable() {
        return undecodable;
    }

    void setUndecodable(String problem) {
        this.undecodable = problem;
    }

    public PolicyAction getAction() {
        return action;
    }

    public void setAction(PolicyAction action) {
        this.action = action;
    }

    public LabelSelector getSelector() {
        return selector;
    }

    public void setSelector(LabelSelector selector) {
        this.selector = selector;
    }

    public List<String> getPlatforms() {
        return platforms;
    }

    public void setPlatforms(List<String> platforms) {
        this.platforms = platforms;
    }

    public Exclusions getExclude() {
        return exclude;
    }

    public void setExclude(Exclusions exclude) {
        this.exclude = exclude;
    }

    public List<LimitOverride> getOverrides() {
        return overrides;
    }

    public void setOverrides(List<LimitOverride> overrides) {
        this.overrides = overrides;
    }

    public ResolveErrorAction getOnResolveError() {
        return onResolveError;
    }

    public void setOnResolveError(ResolveErrorAction onResolveError) {
        this.onResolveError = onResolveError;
    }
}
