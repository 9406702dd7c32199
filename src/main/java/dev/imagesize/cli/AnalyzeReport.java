package dev.imagesize.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagesize.analysis.DiveCiRules;
import dev.imagesize.analysis.ImageAnalysis;
import dev.imagesize.analysis.ImageAnalysisStatus;
import dev.imagesize.image.ByteSize;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code imagesize analyze} found for every image and platform: text for people, JSON for tools, an exit code. */
final class AnalyzeReport {

    /** One analysed (or failed) platform image. */
    record Entry(String image, String platform, ImageAnalysis analysis, List<DiveCiRules.Result> ci, String error) {}

    private final List<Entry> entries;
    private final String metric;

    AnalyzeReport(List<Entry> entries, String metric) {
        this.entries = List.copyOf(entries);
        this.metric = metric;
    }

    List<Entry> entries() {
        return entries;
    }

    /** 2 when something could not be analysed, else 1 when a CI rule failed, else 0. */
    int exitCode() {
        boolean unknown = entries.stream()
                .anyMatch(e -> e.error() != null
                        || e.analysis() == null
                        || !e.analysis().complete());
        if (unknown) {
            return AnalyzeCommand.EXIT_UNKNOWN;
        }
        boolean failed = entries.stream().anyMatch(e -> e.ci() != null && !DiveCiRules.passed(e.ci()));
        return failed ? AnalyzeCommand.EXIT_FAILED : AnalyzeCommand.EXIT_PASSED;
    }

    Map<String, Object> toJson() {
        List<Map<String, Object>> results = new ArrayList<>();
        for (Entry entry : entries) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("image", entry.image());
            result.put("platform", entry.platform());
            if (entry.error() != null) {
                result.put("error", entry.error());
            }
            if (entry.analysis() != null) {
                result.put("analysis", entry.analysis().status());
            }
            if (entry.ci() != null) {
                result.put("ci", new Ci(metric, DiveCiRules.passed(entry.ci()), entry.ci()));
            }
            results.add(result);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("exitCode", exitCode());
        json.put("results", results);
        return json;
    }

    /** CI rule results of one image. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Ci(String metric, boolean pass, List<DiveCiRules.Result> rules) {}

    void printText(PrintWriter out) {
        for (Entry entry : entries) {
            out.println("Image: " + entry.image() + (entry.platform() == null ? "" : " (" + entry.platform() + ")"));
            if (entry.error() != null) {
                out.println("  ERROR " + entry.error());
                out.println();
                continue;
            }
            ImageAnalysisStatus s = entry.analysis().status();
            out.println("  manifest " + s.manifestDigest());
            printLayers(out, s);
            printSizes(out, s);
            printFindings(out, s);
            printBase(out, s);
            printCi(out, entry.ci());
            for (ImageAnalysisStatus.Condition condition : s.conditions()) {
                if (condition.status().equals("False")) {
                    out.println("  PROBLEM " + condition.message());
                }
            }
            out.println();
        }
        int code = exitCode();
        out.println(entries.size() + " image(s) analysed; "
                + (code == 0
                        ? "all CI rules passed or not asked for"
                        : code == 1 ? "a CI rule failed" : "some could not be analysed"));
    }

    private static void printLayers(PrintWriter out, ImageAnalysisStatus s) {
        out.println(String.format(
                Locale.ROOT, "  %-5s %12s %12s  %s", "LAYER", "COMPRESSED", "UNCOMPRESSED", "CREATED BY"));
        for (ImageAnalysisStatus.LayerInfo layer : s.layers()) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-5d %12s %12s  %s",
                    layer.index(),
                    ByteSize.format(layer.compressedBytes()),
                    layer.sizeBytes() == null ? "?" : ByteSize.format(layer.sizeBytes()),
                    oneLine(layer.createdBy(), 100)));
        }
        out.println(String.format(
                Locale.ROOT,
                "  %-5s %12s %12s  (config blob included in the compressed total)",
                "TOTAL",
                ByteSize.format(s.sizes().compressedBytes()),
                ByteSize.format(s.sizes().uncompressedBytes())));
    }

    private static void printSizes(PrintWriter out, ImageAnalysisStatus s) {
        if (s.dive() != null) {
            ImageAnalysisStatus.Dive d = s.dive();
            out.println("  dive: efficiency " + String.format(Locale.ROOT, "%.4f %%", d.efficiencyScore() * 100)
                    + ", wasted " + d.inefficientBytes() + " bytes (" + ByteSize.format(d.inefficientBytes()) + ")"
                    + ", user wasted "
                    + (d.userWastedPercent() == null
                            ? "n/a"
                            : String.format(Locale.ROOT, "%.4f %%", d.userWastedPercent() * 100))
                    + (d.wouldFail() ? "  [dive itself fails on this image: PAX global header]" : ""));
            if (d.topFiles() != null && !d.topFiles().isEmpty()) {
                out.println("  inefficient files (dive):");
                d.topFiles().stream()
                        .limit(10)
                        .forEach(f -> out.println(String.format(
                                Locale.ROOT,
                                "    %3d x %12s  %s",
                                f.count(),
                                ByteSize.format(f.sizeBytes()),
                                f.file())));
            }
        }
        if (s.overlay() != null) {
            ImageAnalysisStatus.Overlay o = s.overlay();
            out.println("  overlay: " + ByteSize.format(o.visibleBytes()) + " visible of "
                    + ByteSize.format(o.shippedBytes())
                    + " shipped in files (" + String.format(Locale.ROOT, "%.1f%%", o.efficiency() * 100) + "); hidden "
                    + ByteSize.format(o.hiddenBytes()) + ": deleted by whiteout "
                    + ByteSize.format(o.deletedByWhiteoutBytes())
                    + ", hidden by opaque directory " + ByteSize.format(o.hiddenByOpaqueDirectoryBytes())
                    + ", overwritten "
                    + ByteSize.format(o.overwrittenBytes()) + ", same content re-written (chmod/chown) "
                    + ByteSize.format(o.sameContentRewrittenBytes()));
        }
    }

    private static void printFindings(PrintWriter out, ImageAnalysisStatus s) {
        if (s.findings() == null) {
            return;
        }
        if (s.findings().isEmpty()) {
            out.println("  findings: none");
            return;
        }
        out.println("  findings (largest download savings first):");
        for (ImageAnalysisStatus.Finding f : s.findings()) {
            out.println("    " + f.id() + " [" + f.confidence() + "]: " + f.title() + ", " + ByteSize.format(f.bytes())
                    + " (~" + ByteSize.format(f.estimatedPullSavings()) + " to download) in layer " + f.layer() + " ("
                    + oneLine(f.createdBy(), 70) + ")"
                    + (f.removedByLayer() == null ? "" : ", removed by layer " + f.removedByLayer()));
            out.println("      fix: " + f.fix());
            out.println("      e.g. " + String.join(", ", f.samples()));
        }
    }

    private static void printBase(PrintWriter out, ImageAnalysisStatus s) {
        if (s.base() == null) {
            return;
        }
        ImageAnalysisStatus.Base b = s.base();
        out.println("  base image: " + b.name() + " (" + b.method() + ", " + b.confidence() + " confidence"
                + (b.layers() == null ? "" : ", " + b.layers() + " layers")
                + (b.compressedShare() == null
                        ? ""
                        : String.format(Locale.ROOT, ", %.0f%% of the compressed size", b.compressedShare() * 100))
                + ")");
        if (s.advice() != null) {
            for (ImageAnalysisStatus.Advice advice : s.advice()) {
                out.println("    advice: " + advice.text());
            }
        }
    }

    private static void printCi(PrintWriter out, List<DiveCiRules.Result> ci) {
        if (ci == null) {
            return;
        }
        out.println("  CI rules:");
        for (DiveCiRules.Result result : ci) {
            out.println("    " + result.status() + ": " + result.rule()
                    + (result.message().isEmpty() ? "" : ": " + result.message()));
        }
    }

    private static String oneLine(String text, int max) {
        String t = text == null ? "" : text.replace('\n', ' ').trim();
        return t.length() > max ? t.substring(0, max - 3) + "..." : t;
    }
}
