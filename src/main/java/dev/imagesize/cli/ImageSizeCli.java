package dev.imagesize.cli;

import picocli.CommandLine;

/**
 * The {@code imagesize} command line: {@code imagesize check IMAGE... --max 200Mi} and {@code imagesize analyze
 * IMAGE...}.
 */
public final class ImageSizeCli {
    public static final String COMMAND = "check";
    public static final String ANALYZE = "analyze";

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
        System.exit(run(args));
    }
}
