package dev.imagesize.cli;

/** The {@code imagesize} command line. */
public final class ImageSizeCli {
    public static final String COMMAND = "check";

    private ImageSizeCli() {}

    /** Runs {@code imagesize check ARGS} and returns the process exit code. */
    public static int run(String... args) {
        System.err.println("imagesize check: not implemented yet");
        return 2;
    }
}
