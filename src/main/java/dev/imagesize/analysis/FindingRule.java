package dev.imagesize.analysis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Locale;

/**
 * One named bloat finding as data ({@code findings.yaml}): what it matches, where the bytes must be, and the fix.
 *
 * @param id stable name ({@code apt-lists})
 * @param title what a person reads
 * @param confidence {@code certain}, {@code likely} or {@code info}
 * @param kind {@code paths} (globs), {@code node-dev-deps}, {@code apt-recommends}, {@code same-content},
 *     {@code hidden}, {@code duplicates}
 * @param match globs on paths ({@code paths} rules)
 * @param exclude globs that never match
 * @param visible whether visible files count
 * @param hidden whether hidden chunks (deleted or overwritten later) count
 * @param copyLayersOnly only files added by {@code COPY}/{@code ADD} steps count
 * @param minFileBytes smaller files do not count
 * @param fix the one-line fix; {@code {step}}, {@code {layer}}, {@code {removedStep}}, {@code {removedLayer}} are
 *     filled in
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record FindingRule(
        String id,
        String title,
        String confidence,
        String kind,
        List<String> match,
        List<String> exclude,
        Boolean visible,
        Boolean hidden,
        Boolean copyLayersOnly,
        Long minFileBytes,
        String fix) {

    public FindingRule {
        match = match == null ? List.of() : List.copyOf(match);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        kind = kind == null ? "paths" : kind.toLowerCase(Locale.ROOT);
        confidence = confidence == null ? "likely" : confidence.toLowerCase(Locale.ROOT);
        visible = visible == null || visible;
        hidden = hidden != null && hidden;
        copyLayersOnly = copyLayersOnly != null && copyLayersOnly;
        minFileBytes = minFileBytes == null ? 0 : minFileBytes;
        if (id == null || id.isBlank() || title == null || fix == null) {
            throw new IllegalArgumentException("a finding rule needs an id, a title and a fix");
        }
        if (!List.of("certain", "likely", "info").contains(confidence)) {
            throw new IllegalArgumentException("rule " + id + ": confidence must be certain, likely or info");
        }
        if (!List.of("paths", "node-dev-deps", "apt-recommends", "same-content", "hidden", "duplicates")
                .contains(kind)) {
            throw new IllegalArgumentException("rule " + id + ": unknown kind " + kind);
        }
    }
}
