package dev.imagesize.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The real promtool (built by hack/test-env.sh from the Go module proxy), run as a process in a directory. */
public final class Promtool {
    private final Path binary;

    private Promtool(Path binary) {
        this.binary = binary;
    }

    /** promtool from {@code hack/test-env.sh print-promtool}; fails, naming the command that provides it, if missing. */
    public static Promtool provided() {
        Path script = TestCluster.projectDir().resolve("hack/test-env.sh");
        Kubectl.Result printed = Kubectl.runProcess(List.of(script.toString(), "print-promtool"), Map.of(), null, 30);
        Path binary = Path.of(printed.stdout().strip());
        if (printed.exitCode() != 0 || !Files.isExecutable(binary)) {
            throw new IllegalStateException("promtool not found at " + binary + ": run hack/test-env.sh promtool");
        }
        return new Promtool(binary);
    }

    /** Runs {@code promtool ARGS} (paths absolute; a test file's rule_files are relative to it) for two minutes at most. */
    public Kubectl.Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        return Kubectl.runProcess(command, Map.of(), null, 120);
    }
}
