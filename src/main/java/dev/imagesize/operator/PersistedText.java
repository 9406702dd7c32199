package dev.imagesize.operator;

import dev.imagesize.policy.Messages;
import java.util.regex.Pattern;

/**
 * Text the operator stores in the cluster (annotations, status messages, Events): at most 1 KiB, and without numbers
 * that change from one pass to the next (a registry's "retry after 17s"), so an unchanged verdict rewrites nothing.
 */
public final class PersistedText {
    /** Longest text stored in one annotation, condition message or Event message. */
    public static final int MAX_LENGTH = 1024;

    private static final Pattern DURATION =
            Pattern.compile("\\b\\d+(?:\\.\\d+)?\\s?(?:ms|s|sec|seconds?|m|min|minutes?|h|hours?)\\b");

    private PersistedText() {}

    /** {@code text} with durations replaced by "some time" and cut to {@link #MAX_LENGTH}. */
    public static String stable(String text) {
        if (text == null) {
            return null;
        }
        return Messages.bounded(DURATION.matcher(text).replaceAll("some time"), MAX_LENGTH);
    }
}
