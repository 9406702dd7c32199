package dev.imagesize.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real helm binary (built by hack/test-env.sh), run as a process the way a user runs it, against one kubeconfig,
 * with its own empty configuration and cache so that nothing of the user's helm setup leaks in or is changed.
 */
public final class Helm {
    private final Path binary;
    private final Path kubeconfig;
    private final Path home;

    private Helm(Path binary, Path kubeconfig, Path home) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.home = home;
    }

    /** helm from {@code hack/test-env.sh print-helm}, talking to the API server of {@code kubeconfig}. */
    public static Helm provided(Path kubeconfig) {
        Path script = TestCluster.projectDir().resolve("hack/test-env.sh");
        Kubectl.Result printed = run(List.of(script.toString(), "print-helm"), Map.of(), 30);
        Path binary = Path.of(printed.stdout().strip());
        if (printed.exitCode() != 0 || !Files.isExecutable(binary)) {
            throw new IllegalStateException("helm not found at " + binary + ": run hack/test-env.sh helm");
        }
        try {
            return new Helm(binary, kubeconfig, Files.createTempDirectory("imagesize-helm-home-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path binary() {
        return binary;
    }

    /** Runs {@code helm --kubeconfig K ARGS} and waits at most two minutes. */
    public Kubectl.Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return run(
                command,
                Map.of(
                        "HELM_CONFIG_HOME", home.resolve("config").toString(),
                        "HELM_CACHE_HOME", home.resolve("cache").toString(),
                        "HELM_DATA_HOME", home.resolve("data").toString()),
                120);
    }

    /** Runs a script of the project (e.g. hack/render-deploy.sh) with {@code HELM} set to this helm. */
    public Kubectl.Result script(String script, String... args) {
        List<String> command =
                new ArrayList<>(List.of(TestCluster.projectDir().resolve(script).toString()));
        command.addAll(List.of(args));
        return run(command, Map.of("HELM", binary.toString()), 120);
    }

    /** Runs a command in the project directory; its output and exit code, like a kubectl run. */
    static Kubectl.Result run(List<String> command, Map<String, String> env, int timeoutSeconds) {
        return Kubectl.runProcess(command, env, null, timeoutSeconds);
    }
}
