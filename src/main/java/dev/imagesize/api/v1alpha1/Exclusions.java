package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** What a policy leaves alone even when its selector matches the workload. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Exclusions {

    @JsonPropertyDescription("Images this policy never checks, as globs (at most 64), e.g. registry.k8s.io/*."
            + ImageGlobs.DESCRIPTION_SUFFIX)
    @Size(max = 64)
    @ValidationRule(
            value = ImageGlobs.RULE,
            message = ImageGlobs.MESSAGE,
            messageExpression = ImageGlobs.MESSAGE_EXPRESSION)
    @ValidationRule(
            value = ImageGlobs.STARS_RULE,
            message = ImageGlobs.STARS_MESSAGE,
            messageExpression = ImageGlobs.STARS_MESSAGE_EXPRESSION)
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    private List<@Size(max = ImageGlobs.MAX_LENGTH) String> images = new ArrayList<>();

    public List<String> getImages() {
        return images;
    }

    public void setImages(List<String> images) {
        this.images = images;
    }
}
