package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fails when the CRDs committed in crds/, or the Helm chart's copies in helm/image-size-operator/crds/, are not the
 * ones the build generates from dev.imagesize.api.
 */
class CrdDriftTest {

    private static final String FIX = "the committed CRDs are out of date with the API classes: run"
            + " hack/update-crds.sh and commit the result (never edit crds/ or helm/image-size-operator/crds/ by hand).";

    @Test
    void committedCrdsAreTheGeneratedOnes() throws IOException {
        assertThat(driftOf(Crds.committedDir())).as(FIX).isEmpty();
    }

    @Test
    void chartCrdsAreTheGeneratedOnes() throws IOException {
        assertThat(driftOf(Crds.chartDir())).as(FIX).isEmpty();
    }

    /** What differs between the CRDs in {@code committedDir} and the generated ones, one line per problem. */
    private static List<String> driftOf(Path committedDir) throws IOException {
        Set<String> generated = crdFileNames(Crds.generatedDir());
        assertThat(generated)
                .as("CRDs generated in %s (build first)", Crds.generatedDir())
                .contains(Crds.NAMESPACED, Crds.CLUSTER, Crds.ANALYSES, Crds.REPORTS);

        String shown =
                Crds.projectDir()
                                .toAbsolutePath()
                                .normalize()
                                .relativize(committedDir.toAbsolutePath().normalize()) + "/";
        List<String> problems = new ArrayList<>();
        Set<String> committed = crdFileNames(committedDir);
        for (String name : generated) {
            if (!committed.contains(name)) {
                problems.add(shown + name + " is missing");
            } else {
                firstDifference(
                                content(committedDir.resolve(name)),
                                content(Crds.generatedDir().resolve(name)))
                        .ifPresent(difference ->
                                problems.add(shown + name + " differs from the generated " + name + ", " + difference));
            }
        }
        for (String name : committed) {
            if (!generated.contains(name)) {
                problems.add(shown + name + " is no longer generated");
            }
        }
        return problems;
    }

    private static Set<String> crdFileNames(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.map(file -> file.getFileName().toString())
                        .filter(name -> name.endsWith(".imagesize.dev-v1.yml"))
                        .forEach(names::add);
            }
        }
        return names;
    }

    private static Optional<String> firstDifference(List<String> committed, List<String> generated) {
        for (int i = 0; i < Math.max(committed.size(), generated.size()); i++) {
            String was = i < committed.size() ? committed.get(i) : "(end of file)";
            String is = i < generated.size() ? generated.get(i) : "(end of file)";
            if (!was.equals(is)) {
                return Optional.of("first at YAML line " + (i + 1) + ": committed [" + was.strip() + "], generated ["
                        + is.strip() + "]");
            }
        }
        return Optional.empty();
    }

    /** The lines that matter: the generator's comment header is not part of the CRD. */
    private static List<String> content(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .filter(line -> !line.startsWith("#"))
                .toList();
    }
}
