package dev.imagesize.content;

import dev.imagesize.policy.Finding;
import dev.imagesize.workload.Workload;
import java.util.List;

/**
 * What admission adds under a rejection or a warning about an image: what the content analysis knows of it (the
 * findings to fix first, base advice), or that it is now queued. Reading only: it never blocks and never writes to
 * the API server (the webhook has no side effects); a queued image is only remembered in memory.
 */
public interface AdmissionContent {

    /** Nothing to add: content analysis is off. */
    AdmissionContent NONE = (finding, workload, dryRun) -> List.of();

    /**
     * Lines to print under {@code finding}'s message (without indentation); empty when there is nothing to say.
     *
     * @param dryRun a dry-run review: nothing is remembered for it
     */
    List<String> notesFor(Finding finding, Workload workload, boolean dryRun);

    /**
     * Whether {@code finding}'s limits on the content analysis could not be checked because the image's analysis is
     * not complete; an image not seen before is then queued, so the audit and the next admission can check them (not
     * for dry runs).
     */
    default boolean queueUnchecked(Finding finding, Workload workload, boolean dryRun) {
        return false;
    }
}
