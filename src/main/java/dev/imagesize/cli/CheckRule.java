package dev.imagesize.cli;

import dev.imagesize.image.PlatformSelection;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.workload.Workload;
import java.util.List;
import java.util.Map;

/**
 * The CLI's flags as a policy: {@code imagesize check --max 200Mi} is an Enforce rule whose unknown sizes count as
 * failures, so it goes through the same evaluator, and reads the same, as the webhook and the audit.
 */
final class CheckRule {
    /** How messages name the CLI's limits: {@code imagesize check --max 200Mi}. */
    static final String KIND = "imagesize check";

    private CheckRule() {}

    /** The rule for {@code limits} on {@code platforms}; {@code flags} is how the user wrote the limits. */
    static Rule of(Limits limits, PlatformSelection platforms, String flags) {
        return new Rule(
                KIND,
                null,
                flags,
                Rule.Action.ENFORCE,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                limits,
                List.of(),
                List.of(),
                platforms.all() ? List.of() : platforms.platforms(),
                Rule.OnResolveError.DENY);
    }

    /** One image as a workload with a single, unnamed container. */
    static Workload workload(String image) {
        return new Workload(
                "Image",
                null,
                image,
                Map.of(),
                List.of(new Container(null, Container.Type.CONTAINER, image)),
                List.of(),
                "default");
    }
}
