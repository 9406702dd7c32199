package dev.imagesize.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The {@code imagesize} command line: {@code imagesize check IMAGE... --max 200Mi} and {@code imagesize analyze
 * IMAGE...}.
 */
public final class ImageSizeCli {
    public static final String COMMAND = "check";
    public static final String ANALYZE = "analyze";

    /** How long the exit waits for each interrupted HTTP client selector thread to end. */
    static final Duration SELECTOR_STOP = Duration.ofMillis(200);

    private ImageSizeCli() {}

    /** Runs {@code imagesize check ARGS} and returns the process exit code (0 within, 1 over, 2 unknown). */
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new CheckCommand());
        commandLine.setCommandName("imagesize check");
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            e.getCommandLine().getErr().println("imagesize check: " + e.getMessage());
            e.getCommandLine().getErr().println("Try 'imagesize check --help' for usage.");
            return CheckCommand.EXIT_UNKNOWN;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("imagesize check: " + e.getMessage());
            return CheckCommand.EXIT_UNKNOWN;
        });
        return commandLine.execute(args);
    }

    /** Runs {@code imagesize analyze ARGS} and returns the exit code (0 passed, 1 a CI rule failed, 2 not analysed). */
    public static int runAnalyze(String... args) {
        CommandLine commandLine = new CommandLine(new AnalyzeCommand());
        commandLine.setCommandName("imagesize analyze");
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            e.getCommandLine().getErr().println("imagesize analyze: " + e.getMessage());
            e.getCommandLine().getErr().println("Try 'imagesize analyze --help' for usage.");
            return AnalyzeCommand.EXIT_UNKNOWN;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("imagesize analyze: " + e.getMessage());
            return AnalyzeCommand.EXIT_UNKNOWN;
        });
        return commandLine.execute(args);
    }

    public static void main(String... args) {
        exit(run(args));
    }

    /**
     * Ends the process with {@code code}, first ending the JDK HTTP clients' selector threads. The JVM's exit waits up
     * to 0.3 s for threads in native code, and a selector thread waits there until its client is stopped, which Java
     * 17 has no call for; interrupted, the thread ends. Only the command line does this: the process owns every client
     * in it, and its work is done.
     */
    public static void exit(int code) {
        stopHttpClientSelectors();
        System.exit(code);
    }

    /** Interrupts the JDK HTTP clients' selector threads and waits a little for each; returns those still alive. */
    static List<Thread> stopHttpClientSelectors() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 8];
        int count = root.enumerate(threads);
        List<Thread> selectors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = threads[i].getName();
            if (name.startsWith("HttpClient-") && name.endsWith("-SelectorManager")) {
                threads[i].interrupt();
                selectors.add(threads[i]);
            }
        }
        List<Thread> alive = new ArrayList<>();
        for (Thread selector : selectors) {
            try {
                selector.join(SELECTOR_STOP.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (selector.isAlive()) {
                alive.add(selector);
            }
        }
        return alive;
    }
}
