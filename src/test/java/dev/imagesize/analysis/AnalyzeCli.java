package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code bin/imagesize analyze} as a real process, as a CI pipeline runs it (no CI variable unless given). */
final class AnalyzeCli {
    private AnalyzeCli() {}

    record Run(int exitCode, String stdout, String stderr) {}

    static Run run(List<String> args) throws Exception {
        return run(args, Map.of());
    }

    static Run run(List<String> args, Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(TestCluster.projectDir().resolve("bin/imagesize").toString(), "analyze"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("IMAGESIZE_JAVA_OPTS", String.join(" ", TestTls.javaOptions()));
        builder.environment()
                .put(
                        "DOCKER_CONFIG",
                        Files.createTempDirectory("no-docker-config").toString());
        builder.environment().remove("CI");
        builder.environment().putAll(env);
        Path out = Files.createTempFile("analyze-out", ".txt");
        Path err = Files.createTempFile("analyze-err", ".txt");
        Process process =
                builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(300, TimeUnit.SECONDS))
                .as("imagesize analyze finished")
                .isTrue();
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
