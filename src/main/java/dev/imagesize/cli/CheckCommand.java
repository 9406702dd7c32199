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
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every image is within budget",
            "1:at least one image is over budget (or grew more than --max-growth allows)",
            "2:a size could not be determined (not found, unauthorized, unreachable, platform missing, bad usage)"
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
                "Maximum growth over the baseline, per platform: a percentage (20%), a size (50Mi), or both",
                "(\"20%, 50Mi\": either breach counts). Needs --baseline or --baseline-file."
            })
    String maxGrowth;

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
        List<Map<String, List<Previous>>> previous;
        List<String> notes = new ArrayList<>();
        try {
            Limits limits = new Limits(
                    bytes("--max", maxImageSize),
                    bytes("--max-layer-size", maxLayerSize),
                    positive(maxLayers),
                    growth());
            if (limits.isEmpty()) {
                throw new IllegalArgumentException(
                        "give at least one limit: --max, --max-layer-size, --max-layers or --max-growth");
            }
            PlatformSelection platforms = platformSelection();
            rule = CheckRule.of(limits, platforms, commandLineLimits());
            scope = platforms.all() ? PlatformScope.everyPlatform() : PlatformScope.cluster(List.of());
            config = registry.resolverConfig();
            credentials = registry.credentials(err);
            deadline = Durations.parse(timeout);
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

        List<Assessments.Assessed> assessed;
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(config)) {
            List<Assessments.Subject> subjects = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                subjects.add(
                        new Assessments.Subject(CheckRule.workload(images.get(i)), List.of(rule), previous.get(i)));
            }
            CredentialSource fromFile = (workloads, until) -> workloads.stream()
                    .map(w -> new Credentials(credentials, List.of()))
                    .toList();
            assessed = new Assessments(resolver, Integer.MAX_VALUE)
                    .assess(subjects, scope, fromFile, Deadline.in(deadline), ImageSizeResolver.Priority.ADMISSION);
        }
        CheckReport report = CheckReport.of(assessed, notes);
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

    private static Integer positive(Integer layers) {
        if (layers != null && layers < 1) {
            throw new IllegalArgumentException("--max-layers must be at least 1");
        }
        return layers;
    }
}
