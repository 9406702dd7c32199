package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.PrivateCaRegistry;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestImages.Pushed;
import dev.imagesize.testing.TokenService;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Registry set-ups users have, against the real Distribution registry: token authentication (its {@code auth.token}
 * mode, with a token service written here) over plain HTTP, anonymously for public repositories and with credentials
 * only where allowed; and TLS with a private CA, verified with the CA file instead of being listed as insecure.
 */
class RegistryCasesIT {
    private static final PlatformSelection AMD64 = PlatformSelection.of(Platform.LINUX_AMD64);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String USER = "ci-bot";
    private static final String PASSWORD = "t0ken-Pa55word";

    private static LocalRegistry content;
    private static TokenService tokens;
    private static LocalRegistry tokenRegistry;
    private static LocalRegistry privateCa;
    private static Pushed publicImage;
    private static Pushed privateImage;

    @BeforeAll
    static void registries() {
        content = LocalRegistry.plain();
        publicImage = TestImages.push(content, "public/app", "1.0", Format.OCI, 300_000, 4_000);
        privateImage = TestImages.push(content, "private/app", "1.0", Format.DOCKER, 500_000);
        tokens = TokenService.start(USER, PASSWORD);
        tokenRegistry = LocalRegistry.custom(
                new LocalRegistry.Custom(content.storage(), tokens.registryConfig(), null, null, null));
        privateCa = PrivateCaRegistry.serving(content);
    }

    @AfterAll
    static void stop() {
        privateCa.close();
        tokenRegistry.close();
        tokens.close();
        content.close();
    }

    private static ResolveResult resolve(
            ResolverConfig config, LocalRegistry registry, Pushed image, RegistryCredential credential) {
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(config)) {
            return resolver.resolve(
                    ImageRef.parse(registry.hostPort() + "/" + image.repository() + ":" + image.tag()),
                    AMD64,
                    credential,
                    WAIT);
        }
    }

    private static long sizeOf(ResolveResult result) {
        assertThat(result).as(result.toString()).isInstanceOf(ResolveResult.Sized.class);
        return ((ResolveResult.Sized) result).sizes().get(0).compressedSizeBytes();
    }

    private static ResolveError errorOf(ResolveResult result) {
        assertThat(result).as(result.toString()).isInstanceOf(ResolveResult.Failed.class);
        return ((ResolveResult.Failed) result).error();
    }

    private static ResolverConfig insecureToken() {
        return ResolverConfig.defaults().withInsecureRegistries(Set.of(tokenRegistry.hostPort()));
    }

    private static List<String> authorizationsFor(String repository) {
        return tokens.requests().stream()
                .filter(request -> request.scope().equals("repository:" + repository + ":pull"))
                .map(request -> request.authorization() == null ? "anonymous" : request.authorization())
                .toList();
    }

    @Test
    void aPublicRepositoryBehindTokenAuthIsReadWithAnAnonymousTokenOverPlainHttp() {
        ResolveResult result = resolve(insecureToken(), tokenRegistry, publicImage, null);

        assertThat(sizeOf(result)).isEqualTo(publicImage.compressedSize());
        assertThat(authorizationsFor("public/app")).isNotEmpty().containsOnly("anonymous");
    }

    @Test
    void credentialsGoOverPlainHttpOnlyToARegistryAllowedForThem() {
        RegistryCredential credential = new RegistryCredential(USER, PASSWORD);

        ResolveError withheld = errorOf(resolve(insecureToken(), tokenRegistry, privateImage, credential));
        assertThat(withheld.kind()).isEqualTo(Kind.UNAUTHORIZED);
        assertThat(withheld.message())
                .contains("were not sent")
                .contains("imagesize.registry.plain-http-credentials")
                .doesNotContain(PASSWORD);
        assertThat(authorizationsFor("private/app")).containsOnly("anonymous");

        ResolverConfig allowed = insecureToken().toBuilder()
                .plainHttpCredentials(Set.of(tokenRegistry.hostPort()))
                .build();
        assertThat(sizeOf(resolve(allowed, tokenRegistry, privateImage, credential)))
                .isEqualTo(privateImage.compressedSize());
        assertThat(authorizationsFor("private/app")).contains(tokens.basicAuth());
    }

    @Test
    void oneTokenServesEveryTagOfARepositoryUntilItExpires() {
        TestImages.push(content, "public/many", "a", Format.OCI, 1_000);
        TestImages.push(content, "public/many", "b", Format.OCI, 2_000);
        TestImages.push(content, "public/many", "c", Format.OCI, 3_000);
        try (ImageSizeResolver resolver = ImageSizeResolver.forRegistries(insecureToken())) {
            for (String tag : List.of("a", "b", "c")) {
                ResolveResult result = resolver.resolve(
                        ImageRef.parse(tokenRegistry.hostPort() + "/public/many:" + tag), AMD64, null, WAIT);
                assertThat(result).isInstanceOf(ResolveResult.Sized.class);
            }
        }
        assertThat(authorizationsFor("public/many")).hasSize(1);
    }

    @Test
    void aRegistryWithAPrivateCaIsVerifiedWithTheCaFileNotMadeInsecure() {
        Function<ResolverConfig, ResolveResult> lookup = config -> resolve(config, privateCa, publicImage, null);

        ResolveError untrusted = errorOf(lookup.apply(ResolverConfig.defaults()));
        assertThat(untrusted.kind()).isEqualTo(Kind.UNREACHABLE);
        assertThat(untrusted.message())
                .contains("TLS with registry " + privateCa.hostPort() + " failed")
                .contains("imagesize.registry.ca-files");

        ResolverConfig withCa = ResolverConfig.defaults().toBuilder()
                .caFiles(List.of(privateCa.caCertificate()))
                .build();
        assertThat(sizeOf(lookup.apply(withCa))).isEqualTo(publicImage.compressedSize());
    }
}
