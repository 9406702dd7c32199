package dev.imagesize.policy;

import dev.imagesize.image.ImageSize;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sentences users read in kubectl's output, Events, policy status and the CLI: what is too large, by how much,
 * and where. Every front door uses these, so one image over one limit reads the same everywhere.
 */
public final class Messages {
    private Messages() {}

    private static final String[] BINARY_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final BigDecimal KIB = BigDecimal.valueOf(1024);
    private static final int MAX_DECIMALS = 3;

    /**
     * For an OVER finding, e.g. {@code container "api" image "reg/shop/api:1.4" (sha256:..., linux/amd64) is 812.3
     * MiB compressed, over the 200.0 MiB maxImageSize of ImageSizePolicy shop/web-budget; largest layer 640.0 MiB
     * (sha256:3f2a...)}.
     */
    public static String over(Finding finding) {
        ImageSize size = finding.size();
        List<String> broken = new ArrayList<>();
        String imageSize = null;
        for (Limits.Breach breach : finding.breaches()) {
            switch (breach.limit()) {
                case MAX_IMAGE_SIZE -> {
                    String[] pair = distinct(size.compressedSizeBytes(), breach.allowed());
                    imageSize = pair[0];
                    broken.add("over the " + pair[1] + " maxImageSize");
                }
                case MAX_LAYER_SIZE -> {
                    String[] pair = distinct(breach.actual(), breach.allowed());
                    broken.add("with a " + pair[0] + " layer ("
                            + shortDigest(breach.layer().digest()) + ") over the " + pair[1] + " maxLayerSize");
                }
                case MAX_LAYERS ->
                    broken.add("with " + breach.actual() + " layers, over the maxLayers of " + breach.allowed());
            }
        }
        StringBuilder message = new StringBuilder()
                .append(subject(finding))
                .append(" (")
                .append(size.manifestDigest())
                .append(", ")
                .append(size.platform())
                .append(") is ")
                .append(imageSize != null ? imageSize : format(size.compressedSizeBytes(), 1))
                .append(" compressed, ")
                .append(String.join(" and ", broken))
                .append(" of ")
                .append(finding.rule().displayName());
        size.largestLayer().ifPresent(layer -> message.append("; largest layer ")
                .append(format(layer.sizeBytes(), 1))
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

    /** One broken limit, on its own: {@code maxImageSize: 2.30 MiB over the 2.29 MiB limit}. */
    public static String breach(Limits.Breach breach) {
        return switch (breach.limit()) {
            case MAX_IMAGE_SIZE, MAX_LAYER_SIZE -> {
                String[] pair = distinct(breach.actual(), breach.allowed());
                yield breach.limit().fieldName() + ": " + pair[0]
                        + (breach.layer() == null
                                ? ""
                                : " (layer " + shortDigest(breach.layer().digest()) + ")")
                        + " over the " + pair[1] + " limit";
            }
            case MAX_LAYERS -> "maxLayers: " + breach.actual() + " layers over the limit of " + breach.allowed();
        };
    }

    private static String subject(Finding finding) {
        Container container = finding.container();
        if (container.name() == null || container.name().isEmpty()) {
            return "image \"" + container.image() + "\"";
        }
        return container.type().label() + " \"" + container.name() + "\" image \"" + container.image() + "\"";
    }

    /**
     * Two byte counts in binary units with as many decimals as it takes (up to three) for them to read differently,
     * else exact bytes: 2,410,000 bytes over 2,400,000 bytes is {@code 2.30 MiB} over {@code 2.29 MiB}, never
     * {@code 2.3 MiB} over {@code 2.3 MiB}.
     */
    public static String[] distinct(long actual, long limit) {
        for (int decimals = 1; decimals <= MAX_DECIMALS; decimals++) {
            String a = format(actual, decimals);
            String b = format(limit, decimals);
            if (!a.equals(b) || actual == limit) {
                return new String[] {a, b};
            }
        }
        return new String[] {
            String.format(Locale.ROOT, "%,d bytes", actual), String.format(Locale.ROOT, "%,d bytes", limit)
        };
    }

    /** Bytes in binary units with {@code decimals} decimals: {@code 512 B}, {@code 1.5 KiB}, {@code 812.3 MiB}. */
    public static String format(long bytes, int decimals) {
        if (bytes > -1024 && bytes < 1024) {
            return bytes + " B";
        }
        BigDecimal value = BigDecimal.valueOf(bytes);
        BigDecimal rounded;
        int unit = -1;
        // move up a unit while the rounded value would still read 1024 or more, so 1048575 is 1.0 MiB
        do {
            unit++;
            value = value.divide(KIB);
            rounded = value.setScale(decimals, RoundingMode.HALF_UP);
        } while (rounded.abs().compareTo(KIB) >= 0 && unit < BINARY_UNITS.length - 1);
        return rounded.toPlainString() + " " + BINARY_UNITS[unit];
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

    /** {@code Enforce} for {@code ENFORCE}. */
    public static String capitalized(String enumName) {
        return enumName.charAt(0) + enumName.substring(1).toLowerCase(Locale.ROOT);
    }

    /** {@code text} cut to at most {@code max} characters, ending in "..." when cut. */
    public static String bounded(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, Math.max(0, max - 3)) + "...";
    }
}
