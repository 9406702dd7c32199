package dev.imagesize.policy;

import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The sentences users read in kubectl's output, Events, policy status and the CLI: what is too large, by how much,
 * and where. Every front door uses these, so one image over one limit reads the same everywhere.
 */
public final class Messages {
    private Messages() {}

    private static final String[] BINARY_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final BigDecimal KIB = BigDecimal.valueOf(1024);
    private static final int MAX_DECIMALS = 3;
    private static final long[] POWERS_OF_TEN = {1, 10, 100, 1000};
    /** Sizes {@link #formatInLongs} formats without overflow: times 1000, plus half of 1024^6, within a long. */
    private static final long EXACT_IN_LONGS = (Long.MAX_VALUE - (1L << 59)) / 1000;
    /** New layers named one by one in a growth message; the rest are counted. */
    private static final int NEW_LAYERS_NAMED = 3;

    /**
     * For an OVER finding, e.g. {@code container "api" image "reg/shop/api:1.4" (sha256:..., linux/amd64) is 812.3
     * MiB compressed, over the 200.0 MiB maxImageSize of ImageSizePolicy shop/web-budget; largest layer 640.0 MiB
     * (sha256:3f2a...)}.
     */
    public static String over(Finding finding) {
        Limits.Breach growth = finding.growthBreach().orElse(null);
        if (growth != null && finding.breaches().size() == 1) {
            return grown(finding, growth);
        }
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
                case MAX_GROWTH -> {} // its own sentence, below
                case MAX_UNCOMPRESSED_SIZE -> {
                    String[] pair = distinct(breach.actual(), breach.allowed());
                    broken.add("with " + pair[0] + " uncompressed, over the " + pair[1] + " maxUncompressedSize");
                }
                case MIN_EFFICIENCY -> {
                    String[] pair = percents(breach.actual(), breach.allowed());
                    broken.add("with " + pair[0] + " efficiency, under the " + pair[1] + " minEfficiency");
                }
                case MAX_WASTED_BYTES -> {
                    String[] pair = distinct(breach.actual(), breach.allowed());
                    broken.add("with " + pair[0] + " hidden by later layers, over the " + pair[1] + " maxWastedBytes");
                }
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
        if (growth != null) {
            message.append("; ").append(grown(finding, growth));
        }
        return message.toString();
    }

    /**
     * For a growth breach, in the words with both digests: {@code container "api" image "reg/shop/api:1.5"
     * (sha256:..., linux/amd64) is 410.2 MiB, 128% larger than "reg/shop/api:1.4" (180.0 MiB, sha256:...) it replaces;
     * the maxGrowth of ImageSizePolicy shop/web-budget is 20%; new layers: 230.2 MiB (sha256:3f2a...)}. The growth is
     * a percentage, a size, or both ({@code 128% (230.2 MiB)}) as the limit is; the new layers are named when the
     * layers of the image it replaces are known.
     */
    static String grown(Finding finding, Limits.Breach breach) {
        ImageSize size = finding.size();
        Replaced replaced = finding.replaced();
        MaxGrowth limit = finding.limits().maxGrowth();
        long now = size.compressedSizeBytes();
        long before = replaced.sizeBytes();
        long growth = now - before;
        String growthText;
        String limitText;
        if (limit.bytes() == null) {
            String[] pair = distinctPercent(growth, before, limit.percent());
            growthText = pair[0];
            limitText = pair[1];
        } else if (limit.percent() == null) {
            String[] pair = distinct(growth, limit.bytes());
            growthText = pair[0];
            limitText = pair[1];
        } else {
            String[] percent = distinctPercent(growth, before, limit.percent());
            String[] bytes = distinct(growth, limit.bytes());
            growthText = percent[0] + " (" + bytes[0] + ")";
            limitText = percent[1] + " and at most " + bytes[1];
        }
        String[] sizes = distinct(now, before);
        StringBuilder message = new StringBuilder()
                .append(subject(finding))
                .append(" (")
                .append(size.manifestDigest())
                .append(", ")
                .append(size.platform())
                .append(") is ")
                .append(sizes[0])
                .append(", ")
                .append(growthText)
                .append(" larger than \"")
                .append(replaced.image())
                .append("\" (")
                .append(sizes[1]);
        if (replaced.digest() != null) {
            message.append(", ").append(replaced.digest());
        }
        message.append(") it replaces; the maxGrowth of ")
                .append(finding.rule().displayName())
                .append(" is ")
                .append(limitText);
        if (replaced.layers() != null) {
            message.append(newLayers(size, replaced.layers()));
        }
        return message.toString();
    }

    /** {@code ; new layers: 4.0 MiB (sha256:...), 12 B (sha256:...) and 2 more (1.5 KiB)}, or "" when none. */
    private static String newLayers(ImageSize size, List<Layer> before) {
        Set<String> old = before.stream().map(Layer::digest).collect(Collectors.toSet());
        List<Layer> added = size.layers().stream()
                .filter(layer -> !old.contains(layer.digest()))
                .sorted(Comparator.comparingLong(Layer::sizeBytes).reversed())
                .toList();
        if (added.isEmpty()) {
            return "";
        }
        List<String> named = added.stream()
                .limit(NEW_LAYERS_NAMED)
                .map(layer -> format(layer.sizeBytes(), 1) + " (" + shortDigest(layer.digest()) + ")")
                .toList();
        String text = "; new layers: " + String.join(", ", named);
        if (added.size() > NEW_LAYERS_NAMED) {
            long rest = added.stream()
                    .skip(NEW_LAYERS_NAMED)
                    .mapToLong(Layer::sizeBytes)
                    .sum();
            text += " and " + (added.size() - NEW_LAYERS_NAMED) + " more (" + format(rest, 1) + ")";
        }
        return text;
    }

    /**
     * A growth of {@code growth} bytes over {@code before} as a percentage, next to the limit's percentage, with as many
     * decimals as it takes (up to three) for a growth over the limit to read larger than it: {@code 20.4%} over
     * {@code 20%}, never {@code 20%} over {@code 20%}.
     */
    static String[] distinctPercent(long growth, long before, BigDecimal limit) {
        String limitText = limit.stripTrailingZeros().toPlainString() + "%";
        if (before <= 0) {
            return new String[] {"infinitely", limitText};
        }
        BigDecimal actual = BigDecimal.valueOf(growth)
                .multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(before), 12, RoundingMode.HALF_UP);
        for (int decimals = 0; decimals <= MAX_DECIMALS; decimals++) {
            BigDecimal shown = actual.setScale(decimals, RoundingMode.HALF_UP);
            if (shown.compareTo(limit) != 0 || actual.compareTo(limit) == 0) {
                return new String[] {shown.toPlainString() + "%", limitText};
            }
        }
        return new String[] {actual.setScale(MAX_DECIMALS, RoundingMode.CEILING).toPlainString() + "%", limitText};
    }

    /** The growth of {@code now} over {@code before} as a percentage with one decimal, for reports: {@code 40.0%}. */
    public static String growthPercent(long now, long before) {
        if (before <= 0) {
            return "n/a";
        }
        return BigDecimal.valueOf(now - before)
                        .multiply(BigDecimal.valueOf(100))
                        .divide(BigDecimal.valueOf(before), 1, RoundingMode.HALF_UP)
                        .toPlainString()
                + "%";
    }

    /**
     * For an UNKNOWN finding: why the size is not known and what the policy does about it. When the unknown size is
     * that of the image the container ran before, it is the growth that is unknown: {@code container "api" image
     * "reg/api:1.5": growth unknown, the size of "reg/api:1.4" it replaces is unknown (...); ImageSizePolicy
     * shop/web-budget has onResolveError Warn}.
     */
    public static String unknown(Finding finding) {
        String what = finding.replaced() != null
                ? "growth unknown, the size of \"" + finding.replaced().image() + "\" it replaces is unknown ("
                : "size unknown (";
        return subject(finding) + ": " + what + finding.error().message() + "); "
                + finding.rule().displayName() + " has onResolveError "
                + capitalized(finding.rule().onResolveError().name());
    }

    /**
     * For a finding whose growth limit could not be checked: {@code container "api" image "reg/api:1.5": the maxGrowth
     * of ImageSizePolicy shop/web-budget is not checked: "reg/api:1.4" it replaces is not in its registry any more,
     * and no size of it was recorded (...)}.
     */
    public static String notCompared(Finding finding) {
        return subject(finding) + ": the maxGrowth of " + finding.rule().displayName() + " is not checked: \""
                + finding.replaced().image() + "\" it replaces "
                + finding.replaced().notCompared();
    }

    /**
     * For an admitted image whose content limits wait for its analysis, e.g. {@code container "api" image "reg/api:1"
     * (sha256:..., linux/amd64): the minEfficiency and maxWastedBytes of ImageSizePolicy shop/lean are not checked yet:
     * the image's content is not analysed; the audit checks them once it is}.
     */
    public static String contentNotChecked(Finding finding) {
        Limits limits = finding.limits();
        List<String> names = new ArrayList<>();
        if (limits.maxUncompressedSizeBytes() != null) {
            names.add("maxUncompressedSize");
        }
        if (limits.minEfficiency() != null) {
            names.add("minEfficiency");
        }
        if (limits.maxWastedBytes() != null) {
            names.add("maxWastedBytes");
        }
        return subject(finding) + " (" + finding.size().manifestDigest() + ", "
                + finding.size().platform() + "): the "
                + String.join(" and ", names) + " of " + finding.rule().displayName()
                + " " + (names.size() == 1 ? "is" : "are")
                + " not checked yet: the image's content is not analysed; the audit checks "
                + (names.size() == 1 ? "it" : "them") + " once it is";
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
            case MAX_GROWTH -> {
                String[] pair = distinct(breach.actual(), breach.allowed());
                yield "maxGrowth: " + pair[0] + " over the " + pair[1] + " it allows";
            }
            case MAX_UNCOMPRESSED_SIZE, MAX_WASTED_BYTES -> {
                String[] pair = distinct(breach.actual(), breach.allowed());
                yield breach.limit().fieldName() + ": " + pair[0] + " over the " + pair[1] + " limit";
            }
            case MIN_EFFICIENCY -> {
                String[] pair = percents(breach.actual(), breach.allowed());
                yield "minEfficiency: " + pair[0] + " under the " + pair[1] + " limit";
            }
        };
    }

    /**
     * Two shares in parts per million as percentages with as many decimals as it takes (one to four) for them to read
     * differently, each rounded down: 825,000 under 900,000 is {@code 82.5%} under {@code 90.0%}.
     */
    public static String[] percents(long actualPerMillion, long limitPerMillion) {
        for (int decimals = 1; decimals <= 4; decimals++) {
            String a = percent(actualPerMillion, decimals);
            String b = percent(limitPerMillion, decimals);
            if (!a.equals(b) || actualPerMillion == limitPerMillion || decimals == 4) {
                return new String[] {a, b};
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private static String percent(long perMillion, int decimals) {
        return BigDecimal.valueOf(perMillion)
                        .divide(BigDecimal.valueOf(10_000))
                        .setScale(decimals, RoundingMode.DOWN)
                        .toPlainString()
                + "%";
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
        if (decimals >= 0 && decimals <= MAX_DECIMALS && bytes >= -EXACT_IN_LONGS && bytes <= EXACT_IN_LONGS) {
            return formatInLongs(bytes, decimals);
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

    /**
     * {@link #format} for sizes up to {@link #EXACT_IN_LONGS}, on longs (a denial formats several sizes, and a review
     * should allocate little): a size divided by a power of 1024 has a finite decimal expansion, so scaling it by 10 to
     * the {@code decimals} and rounding half up gives the digits BigDecimal would.
     */
    private static String formatInLongs(long bytes, int decimals) {
        long magnitude = Math.abs(bytes);
        long scale = POWERS_OF_TEN[decimals];
        long rounded;
        int unit = -1;
        do { // as in format: up a unit while the rounded value would still read 1024 or more
            unit++;
            long divisor = 1L << (10 * (unit + 1));
            rounded = (magnitude * scale + divisor / 2) / divisor;
        } while (rounded >= 1024 * scale && unit < BINARY_UNITS.length - 1);
        StringBuilder text = new StringBuilder(16);
        if (bytes < 0) {
            text.append('-');
        }
        text.append(rounded / scale);
        if (decimals > 0) {
            String fraction = Long.toString(rounded % scale);
            text.append('.').append("0".repeat(decimals - fraction.length())).append(fraction);
        }
        return text.append(' ').append(BINARY_UNITS[unit]).toString();
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
