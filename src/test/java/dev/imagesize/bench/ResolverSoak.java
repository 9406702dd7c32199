package dev.imagesize.bench;

import dev.imagesize.Deadline;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.ImageSizeResolver.Lookup;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import dev.imagesize.registry.ResolverConfig;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The soak's own JVM (started by {@link ResolverSoakBenchmark} with a small heap): cold lookups of distinct images,
 * 50 per call, printing the heap after a full GC every {@code every} lookups as {@code heap LOOKUPS MIB} (and, with
 * {@code -Dsoak.histogram}, the largest classes on the heap after 20,000 lookups and at the end).
 */
public final class ResolverSoak {
    private ResolverSoak() {}

    public static void main(String... args) {
        String registry = args[0];
        int count = Integer.parseInt(args[1]);
        int every = Integer.parseInt(args[2]);
        PlatformSelection amd64 = PlatformSelection.of(Platform.LINUX_AMD64);
        ResolverConfig config = ResolverConfig.defaults().withInsecureRegistries(Set.of(registry)); // default caches
        long failed = 0;
        long start = System.nanoTime();
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(config)) {
            for (int done = 0; done < count; ) {
                List<Lookup> batch = new ArrayList<>();
                for (int i = 0; i < 50 && done + i < count; i++) {
                    batch.add(new Lookup(ImageRef.parse(registry + "/soak/app-" + (done + i) + ":1.0"), amd64, null));
                }
                for (ResolveResult result :
                        resolver.resolveAll(batch, Deadline.in(Duration.ofSeconds(60)), Priority.AUDIT)) {
                    if (!(result instanceof ResolveResult.Sized)) {
                        failed++;
                        if (failed <= 5) {
                            System.out.println("failed " + result);
                        }
                    }
                }
                done += batch.size();
                if (done % every == 0) {
                    System.out.printf(Locale.ROOT, "heap %d %.2f%n", done, heapAfterGc() / 1048576.0);
                    if (System.getProperty("soak.histogram") != null && (done == 20_000 || done == count)) {
                        histogram();
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT, "done %d failed %d seconds %.1f%n", count, failed, (System.nanoTime() - start) / 1e9);
    }

    private static void histogram() {
        try {
            String text = (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "gcClassHistogram",
                            new Object[] {new String[0]},
                            new String[] {String[].class.getName()});
            text.lines().limit(40).forEach(System.out::println);
        } catch (Exception e) {
            System.out.println("no histogram: " + e);
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
