package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.Config;
import dev.imagesize.registry.http.AddressGuard;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The operator's imagesize.registry.* settings, read by the real config mapping, become the resolver's settings. */
class ResolverProducerTest {

    private static ResolverConfig read(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(Config.class)
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus's "10s", "5m"
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return ResolverProducer.of(config.getConfigMapping(Config.class).registry());
    }

    @Test
    void defaultsAreTheResolversDefaults() {
        ResolverConfig config = read(Map.of());

        assertThat(config).isEqualTo(ResolverConfig.defaults());
        assertThat(config.tagTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.blockedNetworks()).isEqualTo(AddressGuard.DEFAULT_BLOCKED_NETWORKS);
    }

    @Test
    void everySettingReachesTheResolver() {
        ResolverConfig config = read(Map.ofEntries(
                Map.entry("imagesize.registry.tag-ttl", "20m"),
                Map.entry("imagesize.registry.stale-if-error", "2h"),
                Map.entry("imagesize.registry.failure-ttl", "5s"),
                Map.entry("imagesize.registry.cache-weight", "5000"),
                Map.entry("imagesize.registry.per-registry-concurrency", "4"),
                Map.entry("imagesize.registry.http-timeout", "3s"),
                Map.entry("imagesize.registry.lookup-timeout", "20s"),
                Map.entry("imagesize.registry.max-images-per-request", "16"),
                Map.entry("imagesize.registry.max-index-children", "8"),
                Map.entry("imagesize.registry.admission-threads", "3"),
                Map.entry("imagesize.registry.audit-threads", "1"),
                Map.entry("imagesize.registry.max-pending-admission", "100"),
                Map.entry("imagesize.registry.max-pending-audit", "200"),
                Map.entry("imagesize.registry.insecure-registries", "reg.local:5000,other:80"),
                Map.entry("imagesize.registry.plain-http-credentials", "reg.local:5000"),
                Map.entry("imagesize.registry.ca-files", "/etc/image-size-operator/registry-ca/ca.crt"),
                Map.entry("imagesize.registry.blocked-networks", "10.0.0.0/8,169.254.0.0/16")));

        assertThat(config.tagTtl()).isEqualTo(Duration.ofMinutes(20));
        assertThat(config.staleIfError()).isEqualTo(Duration.ofHours(2));
        assertThat(config.failureTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.cacheWeight()).isEqualTo(5_000);
        assertThat(config.perRegistryConcurrency()).isEqualTo(4);
        assertThat(config.httpTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.lookupTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.maxImagesPerRequest()).isEqualTo(16);
        assertThat(config.maxIndexChildren()).isEqualTo(8);
        assertThat(config.admissionThreads()).isEqualTo(3);
        assertThat(config.auditThreads()).isEqualTo(1);
        assertThat(config.maxPendingAdmission()).isEqualTo(100);
        assertThat(config.maxPendingAudit()).isEqualTo(200);
        assertThat(config.insecureRegistries()).isEqualTo(Set.of("reg.local:5000", "other:80"));
        assertThat(config.plainHttpCredentials()).isEqualTo(Set.of("reg.local:5000"));
        assertThat(config.caFiles()).containsExactly(Path.of("/etc/image-size-operator/registry-ca/ca.crt"));
        assertThat(config.blockedNetworks()).containsExactly("10.0.0.0/8", "169.254.0.0/16");
        assertThat(config.audience()).isEqualTo(RegistryErrors.Audience.CLUSTER);
    }

    @Test
    void noneBlocksNoNetwork() {
        assertThat(read(Map.of("imagesize.registry.blocked-networks", "none")).blockedNetworks())
                .isEqualTo(List.of());
    }

    @Test
    void plainHttpCredentialsForARegistryThatIsNotInsecureAreRefusedAtStart() {
        assertThatThrownBy(() -> read(Map.of("imagesize.registry.plain-http-credentials", "reg.local:5000")))
                .hasMessageContaining("reg.local:5000")
                .hasMessageContaining("also listed as insecure");
    }
}
