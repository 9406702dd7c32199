package dev.imagesize.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real kubectl binary, run as a process the way a user runs it, against one kubeconfig. */
public final class Kubectl {
    private final Path binary;
    private final Path kubeconfig;

    public Kubectl(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    /** What one kubectl run printed, and how it exited. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Standard output then standard error, as a terminal would show them. */
        public String output() {
            return stdout + stderr;
        }

        public Result assertSucceeded() {
            return assertSuccess();
        }

        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("kubectl exited " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    /** Runs {@code kubectl --kubeconfig K ARGS} and waits at most 60 s. */
    public Result run(String... args) {
        return runWithInput(null, args);
    }

    /** Runs kubectl with {@code stdin} on its standard input (for {@code apply -f -}). */
    public Result runWithInput(String stdin, String... args) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("kubectl not found at " + binary + ": run hack/test-env.sh");
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return runProcess(command, Map.of(), stdin, 60);
    }

    /**
     * Runs a command in the project directory with {@code stdin} (or none) and extra environment, waiting at most
     * {@code timeoutSeconds}: its exit code and output. The one process runner of the test helpers.
     */
    static Result runProcess(List<String> command, Map<String, String> env, String stdin, int timeoutSeconds) {
        try {
            Path out = Files.createTempFile("process-out-", ".txt");
            Path err = Files.createTempFile("process-err-", ".txt");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .directory(TestCluster.projectDir().toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (stdin != null) {
                    process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                process.getOutputStream().close();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(
                            String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
                }
                return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command.get(0), e);
        }
    }
}
