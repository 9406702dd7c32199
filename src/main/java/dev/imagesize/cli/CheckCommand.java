package dev.imagesize.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.imagesize.Deadline;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.assessment.Credentials;
import dev.imagesize.assessment.Previous;
import dev.imagesize.image.ByteSize;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.MaxGrowth;
import dev.imagesize.policy.PlatformScope;
import dev.imagesize.policy.Rule;
import dev.imagesize.registry.DockerCredentials;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.RegistryClient;
import dev.imagesize.registry.ResolverConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imagesize check}: the CI gate. Measures images in their registries and compares them with the limits. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Checks the compressed size of container images in their registries against size budgets,",
            "without pulling them and without a Docker daemon. Size = config blob + layers, as the manifest states.",
            "A content limit (--max-uncompressed, --min-efficiency, --max-wasted) streams and analyses the layers,",
            "as imagesize analyze does (nothing written to disk), and judges them as the cluster's policies do.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every image is within budget",
            "1:at least one image is over budget (or grew more than --max-growth allows)",
            "2:a size could not be determined (not found, unauthorized, unreachable, platform missing, bad usage),"
                    + " or a layer a content limit needs could not be analysed"
        })
public class CheckCommand implements Callable<Integer> {
    static final int EXIT_WITHIN = 0;
    static final int EXIT_OVER = 1;
    static final int EXIT_UNKNOWN = 2;

    @Spec
    CommandSpec spec;

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE",
            description = "Image references, e.g. nginx:1.27 or host:5000/app@sha256:...")
    List<String> images;

    @Option(names = "--max", paramLabel = "SIZE", description = "Maximum compressed image size, e.g. 200Mi, 1Gi, 100M.")
    String maxImageSize;

    @Option(names = "--max-layer-size", paramLabel = "SIZE", description = "Maximum compressed size of any layer.")
    String maxLayerSize;

    @Option(names = "--max-layers", paramLabel = "N", description = "Maximum number of layers.")
    Integer maxLayers;

    @Option(
            names = "--max-growth",
            paramLabel = "GROWTH",
            description = {
                "Maximum growth over the baseline, per platform: a percentage (20%%), a size (50Mi), or both",
                "(\"20%%, 50Mi\": either breach counts). Needs --baseline or --baseline-file."
            })
    String maxGrowth;

    @Option(
            names = "--max-uncompressed",
            paramLabel = "SIZE",
            description = {
                "Maximum uncompressed image size: the layers' files added up, as docker history shows them",
                "(the policies' maxUncompressedSize). Analyses the layers."
            })
    String maxUncompressed;

    @Option(
            names = "--min-efficiency",
            paramLabel = "RATIO",
            description = {
                "Minimum efficiency, 0 to 1: the bytes the image's filesystem shows over the bytes its layers ship",
                "(the policies' minEfficiency; 0.9: at most a tenth hidden by later layers). Analyses the layers."
            })
    String minEfficiency;

    @Option(
            names = "--max-wasted",
            paramLabel = "SIZE",
            description = {
                "Maximum bytes shipped but hidden by later layers: deleted, overwritten or under an opaque",
                "directory (the policies' maxWastedBytes). Analyses the layers."
            })
    String maxWasted;

    @ArgGroup(exclusive = true)
    BaselineOptions baselineOptions;

    static class BaselineOptions {
        @Option(
                names = "--baseline",
                paramLabel = "IMAGE",
                description = {
                    "The image each IMAGE replaces (the previous release), measured in its registry;",
                    "repeat it once per IMAGE, in the same order."
                })
        List<String> images;

        @Option(
                names = "--baseline-file",
                paramLabel = "FILE",
                description = {
                    "The -o json output of an earlier check (the previous pipeline run): each IMAGE is compared",
                    "with its image of the same repository, without asking the registry."
                })
        Path file;
    }

    @ArgGroup(exclusive = true)
    PlatformOptions platformOptions;

    static class PlatformOptions {
        @Option(
                names = "--platform",
                paramLabel = "OS/ARCH[/VARIANT]",
                split = ",",
                description = "Platforms to check (default linux/amd64); repeatable.")
        List<String> platforms;

        @Option(names = "--all-platforms", description = "Check every platform of a multi-platform image.")
        boolean all;
    }

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "Deadline for all lookups (e.g. 30s, 2m). Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(
            names = "--analysis-timeout",
            paramLabel = "DURATION",
            defaultValue = "30m",
            description = "With a content limit: deadline for analysing the layers. Default: ${DEFAULT-VALUE}.")
    String analysisTimeout;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json.")
    String output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Rule rule;
        PlatformScope scope;
        DockerCredentials credentials;
        ResolverConfig config;
        Duration deadline;
        Duration analysisDeadline;
        List<Map<String, List<Previous>>> previous;
        List<String> notes = new ArrayList<>();
        try {
            Limits limits = new Limits(
                    bytes("--max", maxImageSize),
                    bytes("--max-layer-size", maxLayerSize),
                    positive(maxLayers),
                    growth(),
                    bytes("--max-uncompressed", maxUncompressed),
                    efficiency(minEfficiency),
                    bytes("--max-wasted", maxWasted));
            if (limits.isEmpty()) {
                throw new IllegalArgumentException("give at least one limit: --max, --max-layer-size, --max-layers,"
                        + " --max-growth, --max-uncompressed, --min-efficiency or --max-wasted");
            }
            PlatformSelection platforms = platformSelection();
            rule = CheckRule.of(limits, platforms, commandLineLimits());
            scope = platforms.all() ? PlatformScope.everyPlatform() : PlatformScope.cluster(List.of());
            config = registry.resolverConfig();
            credentials = registry.credentials(err);
            deadline = Durations.parse(timeout);
            analysisDeadline = Durations.parse(analysisTimeout);
            if (!output.equals("text") && !output.equals("json")) {
                throw new IllegalArgumentException("unknown output format \"" + output + "\"; use text or json");
            }
            for (String image : images) {
                ImageRef.parse(image); // a bad reference is a usage error, before any lookup
            }
            previous = previousImages(notes);
        } catch (IllegalArgumentException e) { // includes InvalidImageReferenceException
            err.println("imagesize check: " + e.getMessage());
            return EXIT_UNKNOWN;
        }

        List<Assessments.Subject> subjects = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            subjects.add(new Assessments.Subject(CheckRule.workload(images.get(i)), List.of(rule), previous.get(i)));
        }
        CredentialSource fromFile = (workloads, until) -> workloads.stream()
                .map(w -> new Credentials(credentials, List.of()))
                .toList();
        CheckReport report;
        RegistryClient registries = RegistryClient.create(config);
        try (registries;
                ImageSizeResolver resolver = ImageSizeResolver.over(registries, config)) {
            List<Assessments.Assessed> assessed = new Assessments(resolver, Integer.MAX_VALUE)
                    .assess(subjects, scope, fromFile, Deadline.in(deadline), ImageSizeResolver.Priority.ADMISSION);
            if (!rule.limits().hasContentLimits()) {
                report = CheckReport.of(assessed, notes);
            } else {
                try (CheckContent content =
                        new CheckContent(registries, ProgressDisplay.forTerminal(err, output.equals("json")))) {
                    content.analyseMeasured(assessed, credentials, Deadline.in(analysisDeadline));
                    // the same pipeline again, now with the figures: every size comes from the resolver's caches
                    assessed = new Assessments(resolver, Integer.MAX_VALUE, content.analysed())
                            .assess(
                                    subjects,
                                    scope,
                                    fromFile,
                                    Deadline.in(deadline),
                                    ImageSizeResolver.Priority.ADMISSION);
                    report = CheckReport.of(assessed, notes, content::outcome);
                }
            }
        }
        if (output.equals("json")) {
            try {
                out.println(new ObjectMapper()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(report.toJson()));
            } catch (IOException e) {
                err.println("imagesize check: cannot write JSON: " + e.getMessage());
                return EXIT_UNKNOWN;
            }
        } else {
            report.printText(out, rule.limits());
        }
        out.flush();
        return report.exitCode();
    }

    /** The limits as the user gave them, to name the "policy" in messages: {@code --max 2Mi --max-layers 40}. */
    private String commandLineLimits() {
        List<String> parts = new ArrayList<>();
        if (maxImageSize != null) {
            parts.add("--max " + maxImageSize);
        }
        if (maxLayerSize != null) {
            parts.add("--max-layer-size " + maxLayerSize);
        }
        if (maxLayers != null) {
            parts.add("--max-layers " + maxLayers);
        }
        if (maxGrowth != null) {
            parts.add("--max-growth " + maxGrowth);
        }
        if (maxUncompressed != null) {
            parts.add("--max-uncompressed " + maxUncompressed);
        }
        if (minEfficiency != null) {
            parts.add("--min-efficiency " + minEfficiency);
        }
        if (maxWasted != null) {
            parts.add("--max-wasted " + maxWasted);
        }
        return String.join(" ", parts);
    }

    private MaxGrowth growth() {
        if (maxGrowth == null) {
            if (baselineOptions != null) {
                throw new IllegalArgumentException(
                        "--baseline and --baseline-file are what --max-growth compares with: give --max-growth too");
            }
            return null;
        }
        if (baselineOptions == null) {
            throw new IllegalArgumentException(
                    "--max-growth compares each image with the one it replaces: give --baseline IMAGE or"
                            + " --baseline-file FILE");
        }
        try {
            return MaxGrowth.parse(maxGrowth);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-growth: " + e.getMessage());
        }
    }

    /**
     * For each IMAGE, what it replaces: the matching {@code --baseline}, or its repository's image in the
     * {@code --baseline-file}. An image the file has nothing for is checked without growth, and a note says so.
     */
    private List<Map<String, List<Previous>>> previousImages(List<String> notes) {
        List<Map<String, List<Previous>>> previous = new ArrayList<>();
        if (baselineOptions == null) {
            images.forEach(image -> previous.add(Map.of()));
            return previous;
        }
        String slot = CheckRule.workload(images.get(0)).containers().get(0).slot();
        if (baselineOptions.images != null) {
            if (baselineOptions.images.size() != images.size()) {
                throw new IllegalArgumentException("give one --baseline per IMAGE, in the same order: " + images.size()
                        + " IMAGE, " + baselineOptions.images.size() + " --baseline");
            }
            for (String baseline : baselineOptions.images) {
                ImageRef.parse(baseline); // a bad reference is a usage error
                previous.add(Map.of(slot, List.of(Previous.image(baseline, Map.of()))));
            }
            return previous;
        }
        BaselineFile file = BaselineFile.read(baselineOptions.file);
        for (String image : images) {
            Optional<Previous> found = file.forImage(ImageRef.parse(image));
            if (found.isEmpty()) {
                notes.add(baselineOptions.file + " has no image of the repository of " + image + " (it has: "
                        + String.join(", ", file.repositories()) + "); its growth is not checked");
            }
            previous.add(found.map(p -> Map.of(slot, List.of(p))).orElse(Map.of()));
        }
        return previous;
    }

    private PlatformSelection platformSelection() {
        return platformOptions == null
                ? PlatformChoice.of(false, null)
                : PlatformChoice.of(platformOptions.all, platformOptions.platforms);
    }

    private static Long bytes(String option, String quantity) {
        if (quantity == null) {
            return null;
        }
        long bytes = ByteSize.parse(quantity);
        if (bytes <= 0) {
            throw new IllegalArgumentException(
                    option + " must be a positive size such as 200Mi, not \"" + quantity + "\"");
        }
        return bytes;
    }

    /**
     * A share from 0 to 1 written as a policy's {@code minEfficiency} may be (a YAML or JSON number: {@code 0.9},
     * {@code .9}, {@code 1}, {@code 9e-1}); a percentage, NaN or anything outside 0 to 1 is refused.
     */
    static Double efficiency(String share) {
        if (share == null) {
            return null;
        }
        String text = share.strip();
        String expected = "--min-efficiency must be a share from 0 to 1 such as 0.9 (90% of the shipped bytes"
                + " visible), not \"" + share + "\"";
        if (text.endsWith("%")) {
            throw new IllegalArgumentException(expected + "; for a percentage, divide by 100");
        }
        if (!NUMBER.matcher(text).matches()) {
            throw new IllegalArgumentException(expected);
        }
        double value = Double.parseDouble(text);
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(expected);
        }
        return value;
    }

    /** A YAML 1.2 (core schema) or JSON decimal number, as a policy's minEfficiency may be written. */
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");

    private static Integer positive(Integer layers) {
        if (layers != null && layers < 1) {
            throw new IllegalArgumentException("--max-layers must be at least 1");
        }
        return layers;
    }
}
