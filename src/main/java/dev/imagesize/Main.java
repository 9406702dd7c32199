package dev.imagesize;

import dev.imagesize.cli.ImageSizeCli;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;

/**
 * Entry point of the jar: {@code check ...} and {@code analyze ...} run the CLI without starting the operator;
 * anything else starts the operator (webhook, reconcilers) against the cluster of the current kubeconfig.
 */
@QuarkusMain
public class Main {

    public static void main(String... args) {
        if (args.length > 0 && ImageSizeCli.COMMAND.equals(args[0])) {
            ImageSizeCli.exit(ImageSizeCli.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && ImageSizeCli.ANALYZE.equals(args[0])) {
            ImageSizeCli.exit(ImageSizeCli.runAnalyze(Arrays.copyOfRange(args, 1, args.length)));
        }
        Quarkus.run(args);
    }
}
