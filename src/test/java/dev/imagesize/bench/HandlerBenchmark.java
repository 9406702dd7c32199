package dev.imagesize.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.admission.AdmissionHandler;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.PolicySource;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.ResolverConfig;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The admission decision alone, in process, with warm caches: what one review costs the operator before HTTP and
 * TLS, to tell where the end-to-end latency of AdmissionBenchmark goes.
 */
class HandlerBenchmark {

    @Test
    void handler() {
        LocalRegistry registry = LocalRegistry.sharedPlain();
        String image = TestImages.push(registry, "bench/handler", "1.0", TestImages.Format.OCI, 50_000)
                .reference();
        List<Rule> rules = List.of(new Rule(
                Rule.NAMESPACED_KIND,
                "bench",
                "budget",
                Rule.Action.ENFORCE,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                new Limits(100L << 20, null, 40),
                List.of(),
                List.of(),
                List.of(),
                Rule.OnResolveError.WARN));
        PolicySource policies = new PolicySource() {
            @Override
            public List<Rule> rules() {
                return rules;
            }

            @Override
            public Map<String, String> namespaceLabels(String namespace) {
                return Map.of();
            }

            @Override
            public List<Platform> clusterPlatforms() {
                return List.of();
            }
        };
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(
                ResolverConfig.defaults().withInsecureRegistries(Set.of(registry.hostPort())))) {
            AdmissionHandler handler = new AdmissionHandler(
                    policies, new Assessments(resolver, 100), CredentialSource.ANONYMOUS, Duration.ofSeconds(2));
            byte[] review =
                    ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
                                    + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"namespace\":\"bench\",\"name\":\"p\","
                                    + "\"operation\":\"CREATE\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                                    + "\"namespace\":\"bench\"},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\""
                                    + image + "\"}]}}}}")
                            .getBytes(StandardCharsets.UTF_8);
            assertThat(handler.handle(review).body()).contains("\"allowed\":true");
            for (int i = 0; i < 100_000; i++) {
                handler.handle(review);
            }
            int reviews = 500_000;
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            for (int i = 0; i < reviews; i++) {
                handler.handle(review);
            }
            double micros = (System.nanoTime() - start) / 1e3 / reviews;
            double bytes = (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / (double) reviews;
            BenchReport report = new BenchReport("handler", "Admission decision in process (`HandlerBenchmark`)");
            report.line(String.format(
                    Locale.ROOT,
                    "Warm caches, one thread: %.1f us per review (%,.0f reviews/s), %,.0f bytes allocated per review:"
                            + " parse, evaluate, answer, without HTTP or TLS.",
                    micros,
                    1e6 / micros,
                    bytes));
            report.write();
        }
    }
}
