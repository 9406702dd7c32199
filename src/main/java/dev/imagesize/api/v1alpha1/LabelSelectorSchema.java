package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of a label selector. Fields keep fabric8's {@link io.fabric8.kubernetes.api.model.LabelSelector};
 * this class only gives the API server descriptions, the operator enum and the values rule, so a broken selector is
 * refused when the policy is applied rather than found when it is evaluated.
 */
final class LabelSelectorSchema {
    private LabelSelectorSchema() {}

    @JsonPropertyDescription("Labels that must all be present with exactly these values, e.g. {tier: web}.")
    public Map<String, String> matchLabels;

    @JsonPropertyDescription("Label requirements that must all hold (at most 32).")
    @Size(max = 32)
    public List<Requirement> matchExpressions;

    @ValidationRule(
            value = "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0"
                    + " : !has(self.values) || size(self.values) == 0",
            message = "operators In and NotIn need at least one value; Exists and DoesNotExist take none")
    static final class Requirement {
        private Requirement() {}

        @JsonPropertyDescription("The label key, e.g. app.kubernetes.io/name.")
        @Required
        @Size(max = 317)
        public String key;

        @JsonPropertyDescription("How the label relates to the values: In, NotIn, Exists or DoesNotExist.")
        @Required
        public Operator operator;

        @JsonPropertyDescription(
                "Label values (at most 256); at least one for In and NotIn, none for Exists and" + " DoesNotExist.")
        @Size(max = 256)
        public List<@Size(max = 63) String> values;
    }

    enum Operator {
        @JsonProperty("In")
        IN,
        @JsonProperty("NotIn")
        NOT_IN,
        @JsonProperty("Exists")
        EXISTS,
        @JsonProperty("DoesNotExist")
        DOES_NOT_EXIST
    }
}
