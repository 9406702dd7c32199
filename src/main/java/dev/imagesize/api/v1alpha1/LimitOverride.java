package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Other limits for some images: the first override whose globs match an image replaces the policy's limits it sets;
 * the limits it leaves unset keep the policy's values.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LimitOverride extends SizeLimits {

    @JsonPropertyDescription("Images this override applies to, as globs (1 to 32), e.g. ghcr.io/acme/ml-*."
            + ImageGlobs.DESCRIPTION_SUFFIX)
    @Required
    @Size(min = 1, max = 32)
    @ValidationRule(
            value = ImageGlobs.RULE,
            message = ImageGlobs.MESSAGE,
            messageExpression = ImageGlobs.MESSAGE_EXPRESSION)
    @ValidationRule(
            value = ImageGlobs.STARS_RULE,
            message = ImageGlobs.STARS_MESSAGE,
            messageExpression = ImageGlobs.STARS_MESSAGE_EXPRESSION)
    private List<@Size(max = ImageGlobs.MAX_LENGTH) String> images = new ArrayList<>();

    public List<String> getImages() {
        return images;
    }

    public void setImages(List<String> images) {
        this.images = images;
    }
}
