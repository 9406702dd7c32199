package dev.imagesize.assessment;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.InvalidImageReferenceException;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveResult;
import java.util.Map;

/**
 * An image one container ran before, as a front door knows it: the other side of a maxGrowth comparison. The webhook
 * knows the old object's image (and what the audit recorded of it), the audit its own record, the CLI
 * {@code --baseline} or a file of an earlier run.
 *
 * @param image the image as written where it was found
 * @param digest the digest it had when recorded (measured by that digest), or null to measure {@code image} as written
 * @param recordedSizes compressed sizes per platform the audit recorded for it, used when its registry cannot answer
 * @param measured its sizes already known (a baseline file), or null to ask its registry
 */
public record Previous(String image, String digest, Map<Platform, Long> recordedSizes, ResolveResult.Sized measured) {

    public Previous {
        recordedSizes = recordedSizes == null ? Map.of() : Map.copyOf(recordedSizes);
    }

    /** An image to measure as written, with what the audit recorded of it (empty when nothing). */
    public static Previous image(String image, Map<Platform, Long> recordedSizes) {
        return new Previous(image, null, recordedSizes, null);
    }

    /** An image the audit recorded: measured by its recorded digest, else its recorded sizes answer. */
    public static Previous recorded(String image, String digest, Map<Platform, Long> recordedSizes) {
        return new Previous(image, digest, recordedSizes, null);
    }

    /** An image whose sizes are known already (read from the output of an earlier {@code imagesize check}). */
    public static Previous measured(String image, ResolveResult.Sized sizes) {
        return new Previous(image, null, Map.of(), sizes);
    }

    /**
     * What to ask the registry for: the image by its recorded digest, or as written; null when it cannot be a
     * reference.
     */
    ImageRef reference() {
        try {
            ImageRef ref = ImageRef.parse(image);
            if (digest == null) {
                return ref;
            }
            return ImageRef.parse(ref.registry() + "/" + ref.repository() + "@" + digest);
        } catch (InvalidImageReferenceException e) {
            return null;
        }
    }
}
