package dev.imagesize.policy;

import dev.imagesize.image.ByteSize;
import dev.imagesize.image.ImageSize;
import java.util.ArrayList;
import java.util.List;

/** The sentences users read in kubectl's output, Events and the CLI: what is too large, by how much, and where. */
public final class Messages {
    private Messages() {}

    /**
     * For an OVER finding, e.g. {@code container "api" image "reg/shop/api:1.4" (sha256:..., linux/amd64) is 812.3
     * MiB compressed, over the 200.0 MiB maxImageSize of ImageSizePolicy shop/web-budget; largest layer 640.0 MiB
     * (sha256:3f2a...)}.
     */
    public static String over(Finding finding) {
        ImageSize size = finding.size();
        List<String> broken = new ArrayList<>();
        for (Limits.Breach breach : finding.breaches()) {
            broken.add(
                    switch (breach.limit()) {
                        case MAX_IMAGE_SIZE -> "over the " + ByteSize.format(breach.allowed()) + " maxImageSize";
                        case MAX_LAYER_SIZE ->
                            "with a " + ByteSize.format(breach.actual()) + " layer ("
                                    + shortDigest(breach.layer().digest()) + ") over the "
                                    + ByteSize.format(breach.allowed())
                                    + " maxLayerSize";
                        case MAX_LAYERS ->
                            "with " + breach.actual() + " layers, over the maxLayers of " + breach.allowed();
                    });
        }
        StringBuilder message = new StringBuilder()
                .append(subject(finding))
                .append(" (")
                .append(size.manifestDigest())
                .append(", ")
                .append(size.platform())
                .append(") is ")
                .append(ByteSize.format(size.compressedSizeBytes()))
                .append(" compressed, ")
                .append(String.join(" and ", broken))
                .append(" of ")
                .append(finding.rule().displayName());
        size.largestLayer().ifPresent(layer -> message.append("; largest layer ")
                .append(ByteSize.format(layer.sizeBytes()))
                .append(" (")
                .append(shortDigest(layer.digest()))
                .append(")"));
        return message.toString();
    }

    /** For an UNKNOWN finding: why the size is not known and what the policy does about it. */
    public static String unknown(Finding finding) {
        return subject(finding) + ": size unknown (" + finding.error().message() + "); "
                + finding.rule().displayName() + " has onResolveError "
                + capitalized(finding.rule().onResolveError().name());
    }

    private static String subject(Finding finding) {
        Container container = finding.container();
        return container.type().label() + " \"" + container.name() + "\" image \"" + container.image() + "\"";
    }

    /** {@code sha256:3f2a1b2c3d4e...}: enough to recognise a layer in `docker history` or a registry UI. */
    public static String shortDigest(String digest) {
        String prefix = digestPrefix(digest);
        return prefix.equals(digest) ? digest : prefix + "...";
    }

    /** The algorithm and the first 12 hex digits of a digest, or the digest itself when it is shorter. */
    public static String digestPrefix(String digest) {
        int colon = digest.indexOf(':');
        return colon >= 0 && digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
    }

    private static String capitalized(String enumName) {
        return enumName.charAt(0) + enumName.substring(1).toLowerCase();
    }
}
