package dev.imagesize.api.v1alpha1;

/**
 * The CEL rules and texts of {@code maxGrowth}: a percentage ({@code 20%}), a size ({@code 50Mi}), or one of each
 * separated by a comma ({@code 20%, 50Mi}). Each rule checks one thing and says it, naming the field; the later ones
 * hold trivially for text the form rule refuses, so the API server reports only what is wrong. The operator's
 * {@code MaxGrowth.parse} reads the same grammar.
 */
final class GrowthRules {
    private GrowthRules() {}

    /** resource.Quantity's grammar as the size limits accept it (no m/u/n, exponents of at most three digits). */
    static final String QUANTITY = "[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([KMGTPE]i|[kMGTPE]|[eE][+-]?[0-9]{1,3})?";

    /**
     * The same with a unit or exponent required: a bare {@code 20} would be 20 bytes, which someone who meant 20% would
     * never notice.
     */
    static final String SIZED_QUANTITY = "[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([KMGTPE]i|[kMGTPE]|[eE][+-]?[0-9]{1,3})";

    /** Up to four digits and two decimals, then {@code %}; 1000 at most (checked apart). */
    static final String PERCENT = "[0-9]{1,4}([.][0-9]{1,2})?%";

    private static final String ONE = "(" + PERCENT + "|" + SIZED_QUANTITY + ")";

    private static final String FORM = "'^" + ONE + "( *, *" + ONE + ")?$'";

    /** The parts of a well-formed value, without the spaces around the comma. */
    private static final String PARTS = "self.split(',').map(p, p.trim())";

    static final String FORM_RULE = "self.matches(" + FORM + ")";

    static final String PERCENT_RULE = "!self.matches(" + FORM + ") || " + PARTS
            + ".all(p, !p.endsWith('%') || double(p.substring(0, p.size() - 1)) <= 1000.0)";

    static final String SIZE_RULE = "!self.matches(" + FORM + ") || " + PARTS
            + ".all(p, p.endsWith('%') || (quantity(p).isGreaterThan(quantity('0'))"
            + " && quantity(p).isLessThan(quantity('9223372036854775807'))))";

    static final String ONE_OF_EACH_RULE = "!self.matches(" + FORM + ") || " + PARTS + ".filter(p, p.endsWith('%'))"
            + ".size() <= 1 && " + PARTS + ".filter(p, !p.endsWith('%')).size() <= 1";

    static final String FORM_MESSAGE = "maxGrowth must be a percentage such as 20%, a size with its unit such as 50Mi,"
            + " or both separated by a comma such as 20%, 50Mi (units: Ki Mi Gi Ti Pi Ei, k M G T P E or an exponent"
            + " such as 5e6; no m)";

    static final String PERCENT_MESSAGE = "the percentage in maxGrowth must be from 0% to 1000%";

    static final String SIZE_MESSAGE = "the size in maxGrowth must be more than 0 and below 8Ei (0% allows no growth)";

    static final String ONE_OF_EACH_MESSAGE = "maxGrowth takes at most one percentage and one size";

    static final String DESCRIPTION = "How much larger an image may be than the image the same container ran before,"
            + " compared per platform in compressed size: a percentage of the previous size (20%, 0 to 1000), a size"
            + " with its unit (50Mi), or both separated by a comma (20%, 50Mi: either breach counts). Checked at admission when an"
            + " UPDATE changes a container's image (the previous image is the old object's; unchanged images are"
            + " never looked up), and by the audit against the previous image it recorded for the workload"
            + " (annotation imagesize.dev/size-history). A new workload or container has nothing to compare with; an"
            + " image the previous one replaced that is gone from its registry is compared with the size the audit"
            + " recorded for it, else not compared (the answer says so); a previous size unknown for other reasons"
            + " is decided by onResolveError.";
}
