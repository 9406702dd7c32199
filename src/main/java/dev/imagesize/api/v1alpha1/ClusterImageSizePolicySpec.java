package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** A namespaced policy's spec plus the namespaces it reaches; decodes whatever was stored, as that one does. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(using = LenientDecoder.ClusterSpec.class)
public class ClusterImageSizePolicySpec extends ImageSizePolicySpec {

    @JsonPropertyDescription("Label selector on the labels of Namespaces; the policy applies to workloads in the"
            + " namespaces it matches. Empty or unset selects every namespace. Workloads must also match selector.")
    @SchemaFrom(type = LabelSelectorSchema.class)
    private LabelSelector namespaceSelector;

    public LabelSelector getNamespaceSelector() {
        return namespaceSelector;
    }

    public void setNamespaceSelector(LabelSelector namespaceSelector) {
        this.namespaceSelector = namespaceSelector;
    }
}
