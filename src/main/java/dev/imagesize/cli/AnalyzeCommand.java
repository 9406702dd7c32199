package dev.imagesize.cli;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.imagesize.Deadline;
import dev.imagesize.analysis.AnalysisLimits;
import dev.imagesize.analysis.BaseCatalog;
import dev.imagesize.analysis.BlobSource;
import dev.imagesize.analysis.DiveCiRules;
import dev.imagesize.analysis.DiveExport;
import dev.imagesize.analysis.FindingRules;
import dev.imagesize.analysis.ImageAnalysis;
import dev.imagesize.analysis.ImageAnalysisStatus;
import dev.imagesize.analysis.ImageAnalyzer;
import dev.imagesize.analysis.ImageComposer;
import dev.imagesize.analysis.LayerIndexCache;
import dev.imagesize.analysis.LayerProblem;
import dev.imagesize.analysis.RegistryBlobSource;
import dev.imagesize.analysis.StatusBudget;
import dev.imagesize.image.ByteSize;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.registry.DockerCredentials;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.RegistryClient;
import dev.imagesize.registry.RegistryCredential;
import dev.imagesize.registry.ResolverConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code imagesize analyze}: where an image's bytes are and how to shrink it. Streams every layer from the registry
 * (nothing written to disk), and reports sizes per layer, dive's figures, OCI-correct hidden bytes, named findings
 * with their fix, and the base image with advice; with {@code --ci}, dive's rules decide the exit code.
 */
@Command(
        name = "analyze",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Analyses container images layer by layer, straight from their registries",
            "(no daemon, nothing written to disk): compressed and uncompressed sizes,",
            "dive's efficiency and wasted bytes, what each hidden byte is, named findings",
            "with their fix, and the base image with smaller alternatives.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:analysed (and every CI rule passed, with --ci)",
            "1:a CI rule failed (with --ci or CI=true)",
            "2:an image could not be analysed (not found, unauthorized, a layer over a limit, bad usage)"
        })
public class AnalyzeCommand implements Callable<Integer> {
    static final int EXIT_PASSED = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_UNKNOWN = 2;

    @Spec
    CommandSpec spec;

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE",
            description = "Image references, e.g. python:3.11 or host:5000/app@sha256:...")
    List<String> images;

    @ArgGroup(exclusive = true)
    PlatformOptions platformOptions;

    static class PlatformOptions {
        @Option(
                names = "--platform",
                paramLabel = "OS/ARCH[/VARIANT]",
                split = ",",
                description = "Platforms to analyse (default linux/amd64); repeatable.")
        List<String> platforms;

        @Option(names = "--all-platforms", description = "Analyse every platform of a multi-platform image.")
        boolean all;
    }

    @Option(
            names = "--ci",
            description = "Evaluate dive's CI rules and exit 1 when one fails (same as CI=true in the environment).")
    boolean ci;

    @Option(
            names = {"--lowest-efficiency", "--lowestEfficiency"},
            paramLabel = "RATIO",
            description = "Lowest allowed efficiency, 0-1 (dive's default 0.9; 'disabled' turns the rule off).")
    String lowestEfficiency;

    @Option(
            names = {"--highest-wasted-bytes", "--highestWastedBytes"},
            paramLabel = "SIZE",
            description = "Highest allowed wasted bytes, e.g. 20MB or 20MiB (dive's default: disabled).")
    String highestWastedBytes;

    @Option(
            names = {"--highest-user-wasted-percent", "--highestUserWastedPercent"},
            paramLabel = "RATIO",
            description = "Highest allowed wasted/user bytes, 0-1 (dive's default 0.1).")
    String highestUserWastedPercent;

    @Option(
            names = "--ci-config",
            paramLabel = "FILE",
            defaultValue = ".dive-ci",
            description = "dive's CI rules file, read when present. Default: ${DEFAULT-VALUE}.")
    Path ciConfig;

    @Option(
            names = "--metric",
            paramLabel = "dive|overlay",
            defaultValue = "dive",
            description = "Figures the CI rules judge: dive's (default, drop-in) or the OCI-correct overlay ones.")
    String metric;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text, json, or dive-json (dive's --json export shape).")
    String output;

    @Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "30m",
            description = "Deadline for the whole analysis (e.g. 10m). Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(
            names = "--analysis-max-layer",
            paramLabel = "SIZE",
            defaultValue = "32Gi",
            description =
                    "Largest uncompressed layer to analyse (a bound of the analysis, not a size limit of the image:"
                            + " see check --max-uncompressed). Default: ${DEFAULT-VALUE}.")
    String maxUncompressed;

    @Option(
            names = "--parallel",
            paramLabel = "N",
            description = "Layers analysed at once (default: the number of CPUs, at most 4).")
    Integer parallel;

    @Option(
            names = "--base-catalog",
            paramLabel = "FILE",
            description = "Extra base-image catalog (YAML, same format as the shipped one), searched first.")
    Path baseCatalog;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ImageRef> refs = new ArrayList<>();
        PlatformSelection platforms;
        DockerCredentials credentials;
        ResolverConfig config;
        Duration deadline;
        AnalysisLimits limits;
        DiveCiRules rules = null;
        BaseCatalog catalog;
        try {
            if (!List.of("text", "json", "dive-json").contains(output)) {
                throw new IllegalArgumentException(
                        "unknown output format \"" + output + "\"; use text, json or dive-json");
            }
            if (!metric.equals("dive") && !metric.equals("overlay")) {
                throw new IllegalArgumentException("unknown metric \"" + metric + "\"; use dive or overlay");
            }
            for (String image : images) {
                refs.add(ImageRef.parse(image));
            }
            platforms = platformSelection();
            config = registry.resolverConfig();
            credentials = registry.credentials(err, "imagesize analyze");
            deadline = Durations.parse(timeout);
            long maxLayer = ByteSize.parse(maxUncompressed);
            if (maxLayer <= 0) {
                throw new IllegalArgumentException("--analysis-max-layer must be positive");
            }
            limits = AnalysisLimits.defaults().toBuilder()
                    .maxUncompressedBytes(maxLayer)
                    .build();
            if (ciEnabled()) {
                rules = ciRules();
            }
            catalog = catalog();
            if (parallel != null && parallel < 1) {
                throw new IllegalArgumentException("--parallel must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            err.println("imagesize analyze: " + e.getMessage());
            return EXIT_UNKNOWN;
        }

        Deadline until = Deadline.in(deadline);
        List<AnalyzeReport.Entry> entries = new ArrayList<>();
        int layersAtOnce =
                parallel != null ? parallel : Math.min(4, Runtime.getRuntime().availableProcessors());
        ImageComposer composer = new ImageComposer(FindingRules.builtIn(), catalog, StatusBudget.DEFAULT_BYTES);
        RegistryClient registries = RegistryClient.create(config);
        try (ImageSizeResolver resolver = ImageSizeResolver.over(registries, config);
                BlobSource blobs = new RegistryBlobSource(registries, limits.maxLayers(), true);
                ImageAnalyzer analyzer =
                        new ImageAnalyzer(blobs, new LayerIndexCache(256L << 20), limits, composer, layersAtOnce);
                AutoCloseableListener progress =
                        new AutoCloseableListener(ProgressDisplay.forTerminal(err, !output.equals("text")))) {
            List<ImageSizeResolver.Lookup> lookups = refs.stream()
                    .map(ref -> new ImageSizeResolver.Lookup(
                            ref, platforms, credentials.credentialFor(ref).orElse(null)))
                    .toList();
            List<ResolveResult> results = resolver.resolveAll(
                    lookups, Duration.ofMinutes(1).compareTo(deadline) < 0 ? Duration.ofMinutes(1) : deadline);
            for (int i = 0; i < refs.size(); i++) {
                String image = images.get(i);
                RegistryCredential credential = lookups.get(i).credential();
                ResolveResult result = results.get(i);
                if (result instanceof ResolveResult.Failed failed) {
                    entries.add(new AnalyzeReport.Entry(
                            image, null, null, null, failed.error().toString()));
                    continue;
                }
                ResolveResult.Sized sized = (ResolveResult.Sized) result;
                for (Platform missing : sized.missingPlatforms()) {
                    entries.add(new AnalyzeReport.Entry(
                            image,
                            missing.toString(),
                            null,
                            null,
                            "PLATFORM_MISSING: " + image + " has no " + missing + " image (it has: "
                                    + String.join(
                                            ", ",
                                            sized.availablePlatforms().stream()
                                                    .map(Platform::toString)
                                                    .toList())
                                    + ")"));
                }
                for (ImageSize size : sized.sizes()) {
                    entries.add(analyzeOne(
                            analyzer, refs.get(i), image, credential, size, until, rules, progress.listener()));
                }
            }
        }
        AnalyzeReport report = new AnalyzeReport(entries, metric);
        try {
            write(out, report);
        } catch (IOException e) {
            err.println("imagesize analyze: cannot write JSON: " + e.getMessage());
            return EXIT_UNKNOWN;
        }
        out.flush();
        return report.exitCode();
    }

    private AnalyzeReport.Entry analyzeOne(
            ImageAnalyzer analyzer,
            ImageRef ref,
            String image,
            RegistryCredential credential,
            ImageSize size,
            Deadline until,
            DiveCiRules rules,
            ImageAnalyzer.Listener listener) {
        String platform = size.platform().toString();
        ImageAnalyzer.Target target = new ImageAnalyzer.Target(
                new BlobSource.Location(ref.registry(), ref.repository(), credential), size.manifestDigest(), platform);
        try {
            ImageAnalysis analysis = analyzer.analyze(target, until, listener);
            List<DiveCiRules.Result> ci =
                    rules == null || !analysis.complete() ? null : rules.evaluate(figures(analysis));
            return new AnalyzeReport.Entry(image, platform, analysis, ci, null);
        } catch (LayerProblem problem) {
            return new AnalyzeReport.Entry(image, platform, null, null, problem.kind() + ": " + problem.getMessage());
        }
    }

    private DiveCiRules.Figures figures(ImageAnalysis analysis) {
        ImageAnalysisStatus status = analysis.status();
        if (metric.equals("overlay")) {
            ImageAnalysisStatus.Overlay o = status.overlay();
            return new DiveCiRules.Figures(
                    o.efficiency(), o.hiddenBytes(), o.appHiddenPercent() == null ? 0 : o.appHiddenPercent());
        }
        return new DiveCiRules.Figures(
                analysis.dive().efficiencyScore(),
                analysis.dive().inefficientBytes(),
                analysis.dive().userWastedPercent());
    }

    private boolean ciEnabled() {
        String env = System.getenv("CI");
        return ci || (env != null && env.equalsIgnoreCase("true"));
    }

    /** dive's defaults, then the {@code .dive-ci} file when present, then the flags given. */
    private DiveCiRules ciRules() {
        DiveCiRules rules = DiveCiRules.defaults();
        if (ciConfig != null && Files.isRegularFile(ciConfig)) {
            try {
                rules = rules.withFile(Files.readString(ciConfig));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + ciConfig + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ciConfig + ": " + e.getMessage());
            }
        } else if (ciConfig != null && spec.commandLine().getParseResult().hasMatchedOption("--ci-config")) {
            throw new IllegalArgumentException("CI config " + ciConfig + " does not exist");
        }
        return new DiveCiRules(
                lowestEfficiency != null ? lowestEfficiency : rules.lowestEfficiency(),
                highestWastedBytes != null ? highestWastedBytes : rules.highestWastedBytes(),
                highestUserWastedPercent != null ? highestUserWastedPercent : rules.highestUserWastedPercent());
    }

    private BaseCatalog catalog() {
        BaseCatalog shipped = BaseCatalog.builtIn();
        if (baseCatalog == null) {
            return shipped;
        }
        try (InputStream in = Files.newInputStream(baseCatalog)) {
            return BaseCatalog.parse(in).before(shipped);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read base catalog " + baseCatalog + ": " + e.getMessage());
        }
    }

    private PlatformSelection platformSelection() {
        return platformOptions == null
                ? PlatformChoice.of(false, null)
                : PlatformChoice.of(platformOptions.all, platformOptions.platforms);
    }

    private void write(PrintWriter out, AnalyzeReport report) throws IOException {
        ObjectMapper json = JsonMapper.builder()
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .build();
        switch (output) {
            case "json" -> out.println(json.writeValueAsString(report.toJson()));
            case "dive-json" -> {
                List<Object> exports = new ArrayList<>();
                for (AnalyzeReport.Entry entry : report.entries()) {
                    if (entry.analysis() != null && entry.analysis().dive() != null) {
                        exports.add(DiveExport.of(entry.analysis()));
                    }
                }
                out.println(json.writeValueAsString(exports.size() == 1 ? exports.get(0) : exports));
                report.entries().stream()
                        .filter(e -> e.error() != null
                                || e.analysis() == null
                                || !e.analysis().complete())
                        .forEach(e -> spec.commandLine()
                                .getErr()
                                .println("imagesize analyze: " + e.image() + ": "
                                        + (e.error() != null ? e.error() : "not analysed completely")));
            }
            default -> report.printText(out);
        }
    }

    /** Closes the progress display (when there is one) with the other resources. */
    private record AutoCloseableListener(ImageAnalyzer.Listener listener) implements AutoCloseable {
        @Override
        public void close() {
            if (listener instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // a progress line is all there is to clean up
                }
            }
        }
    }
}
