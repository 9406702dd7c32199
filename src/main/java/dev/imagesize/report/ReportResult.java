package dev.imagesize.report;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One result of a policy report: what one policy says about one workload (or, for a policy that cannot be used, about
 * the policy itself), in the shape wgpolicyk8s.io and openreports.io share.
 *
 * @param policy the policy, {@code namespace/name} for an ImageSizePolicy and {@code name} for a cluster policy (as
 *     Kyverno names its namespaced and cluster policies)
 * @param rule the limits concerned: those broken (fail, warn), else those the policy sets
 * @param result pass, fail, warn, error or skip
 * @param severity from the policy's action
 * @param message the sentence the webhook gives for the same finding (at most 1 KiB)
 * @param resource the workload, or the policy
 * @param properties the figures (size, limit, digest, platform, ...), sorted by key
 */
public record ReportResult(
        String policy,
        String rule,
        Outcome result,
        Severity severity,
        String message,
        Resource resource,
        Map<String, String> properties) {

    public ReportResult {
        properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /** A result's outcome; the order is how much it matters (a report that must leave results out keeps the first). */
    public enum Outcome {
        FAIL,
        ERROR,
        WARN,
        SKIP,
        PASS;

        /** The value in a report: {@code fail}. */
        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How much a policy's result matters, as the report APIs name it. */
    public enum Severity {
        CRITICAL,
        HIGH,
        MEDIUM,
        LOW,
        INFO;

        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The object a result is about.
     *
     * @param uid its metadata.uid, or null when not known
     */
    public record Resource(String apiVersion, String kind, String namespace, String name, String uid) {

        /** What keeps one object's results together when a report is split: its uid, else its kind and name. */
        public String identity() {
            return uid != null ? uid : kind + "/" + namespace + "/" + name;
        }
    }

    /** Whether the result counts towards a score: every result but warn (a policy that only warns is advice). */
    public boolean scored() {
        return result != Outcome.WARN;
    }
}
