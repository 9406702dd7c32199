package dev.imagesize.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageRefTest {

    private static final String SHA256 = "sha256:" + "a".repeat(64);
    private static final String SHA512 = "sha512:" + "0123456789abcdef".repeat(8);

    static Stream<Arguments> validReferences() {
        return Stream.of(
                // input, registry, repository, tag, digest, normalized
                arguments("nginx", "docker.io", "library/nginx", "latest", null, "docker.io/library/nginx:latest"),
                arguments("nginx:1.27", "docker.io", "library/nginx", "1.27", null, "docker.io/library/nginx:1.27"),
                arguments("user/app", "docker.io", "user/app", "latest", null, "docker.io/user/app:latest"),
                arguments("user/app/sub:v1", "docker.io", "user/app/sub", "v1", null, "docker.io/user/app/sub:v1"),
                arguments(
                        "docker.io/nginx",
                        "docker.io",
                        "library/nginx",
                        "latest",
                        null,
                        "docker.io/library/nginx:latest"),
                arguments(
                        "docker.io/library/nginx:stable",
                        "docker.io",
                        "library/nginx",
                        "stable",
                        null,
                        "docker.io/library/nginx:stable"),
                arguments(
                        "index.docker.io/nginx",
                        "docker.io",
                        "library/nginx",
                        "latest",
                        null,
                        "docker.io/library/nginx:latest"),
                arguments("index.docker.io/user/app:1", "docker.io", "user/app", "1", null, "docker.io/user/app:1"),
                arguments("localhost/x", "localhost", "x", "latest", null, "localhost/x:latest"),
                arguments("localhost:5000/x", "localhost:5000", "x", "latest", null, "localhost:5000/x:latest"),
                arguments("registry:5000/a/b:tag", "registry:5000", "a/b", "tag", null, "registry:5000/a/b:tag"),
                arguments("127.0.0.1:5000/a", "127.0.0.1:5000", "a", "latest", null, "127.0.0.1:5000/a:latest"),
                arguments("[::1]:5000/a", "[::1]:5000", "a", "latest", null, "[::1]:5000/a:latest"),
                arguments("[::1]/a", "[::1]", "a", "latest", null, "[::1]/a:latest"),
                arguments(
                        "ghcr.io/org/team/tool:v1.2.3-rc.1_x",
                        "ghcr.io",
                        "org/team/tool",
                        "v1.2.3-rc.1_x",
                        null,
                        "ghcr.io/org/team/tool:v1.2.3-rc.1_x"),
                arguments(
                        "quay.io/a.b/c_d/e__f/g--h",
                        "quay.io",
                        "a.b/c_d/e__f/g--h",
                        "latest",
                        null,
                        "quay.io/a.b/c_d/e__f/g--h:latest"),
                arguments(
                        "nginx:UPPER_Tag",
                        "docker.io",
                        "library/nginx",
                        "UPPER_Tag",
                        null,
                        "docker.io/library/nginx:UPPER_Tag"),
                arguments(
                        "nginx@" + SHA256,
                        "docker.io",
                        "library/nginx",
                        null,
                        SHA256,
                        "docker.io/library/nginx@" + SHA256),
                arguments(
                        "nginx:1.27@" + SHA256,
                        "docker.io",
                        "library/nginx",
                        "1.27",
                        SHA256,
                        "docker.io/library/nginx:1.27@" + SHA256),
                arguments(
                        "localhost:5000/a/b@" + SHA512,
                        "localhost:5000",
                        "a/b",
                        null,
                        SHA512,
                        "localhost:5000/a/b@" + SHA512),
                // Without a slash the colon starts a tag, as in docker: this is the official image "localhost".
                arguments(
                        "localhost:5000",
                        "docker.io",
                        "library/localhost",
                        "5000",
                        null,
                        "docker.io/library/localhost:5000"),
                arguments(
                        "registry-1.docker.io/library/busybox",
                        "registry-1.docker.io",
                        "library/busybox",
                        "latest",
                        null,
                        "registry-1.docker.io/library/busybox:latest"),
                arguments(
                        "Registry.Example.com/app",
                        "Registry.Example.com",
                        "app",
                        "latest",
                        null,
                        "Registry.Example.com/app:latest"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validReferences")
    void parsesAndNormalizesLikeContainerRuntimes(
            String input, String registry, String repository, String tag, String digest, String normalized) {
        ImageRef ref = ImageRef.parse(input);

        assertThat(ref.registry()).isEqualTo(registry);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).isEqualTo(tag);
        assertThat(ref.digest()).isEqualTo(digest);
        assertThat(ref).hasToString(normalized);
        assertThat(ImageRef.parse(ref.toString()))
                .as("normalizing is idempotent")
                .isEqualTo(ref);
    }

    static Stream<Arguments> invalidReferences() {
        return Stream.of(
                // input, expected message fragment
                arguments("", "the reference is empty"),
                arguments("Nginx", "repository name must be lowercase"),
                arguments("docker.io/User/app", "repository name must be lowercase"),
                arguments("User/app", "repository name must be lowercase"),
                arguments("ghcr.io/Org/app:v1", "repository name must be lowercase"),
                arguments("nginx@md5:" + "a".repeat(32), "unsupported digest algorithm \"md5\""),
                arguments("nginx@sha256:abc", "sha256 digest must be 64 hex characters, not 3"),
                arguments("nginx@sha256:" + "a".repeat(65), "must be 64 hex characters, not 65"),
                arguments("nginx@sha256:", "must be 64 hex characters, not 0"),
                arguments("nginx@sha256:" + "g".repeat(64), "is not hex"),
                arguments("nginx@sha256:" + "A".repeat(64), "hex must be lowercase"),
                arguments("nginx@" + "a".repeat(64), "expected algorithm:hex"),
                arguments("nginx@", "invalid digest"),
                arguments("nginx:", "invalid tag \"\""),
                arguments("nginx:-bad", "invalid tag \"-bad\""),
                arguments("nginx:.bad", "invalid tag \".bad\""),
                arguments("nginx:bad!", "invalid tag \"bad!\""),
                arguments("nginx:" + "t".repeat(129), "invalid tag"),
                arguments("docker.io//nginx", "empty component"),
                arguments("/nginx", "empty component"),
                arguments("nginx/", "empty component"),
                arguments("localhost/", "empty component"),
                arguments(":latest", "the repository name is empty"),
                arguments("@" + SHA256, "the repository name is empty"),
                arguments("nginx latest", "must not contain whitespace"),
                arguments(" nginx", "must not contain whitespace"),
                arguments("nginx\t", "must not contain whitespace"),
                arguments("ghcr.io/" + "a".repeat(250), "more than the 255 allowed"),
                arguments("a".repeat(250), "more than the 255 allowed"),
                arguments("nginx!", "invalid repository path component \"nginx!\""),
                arguments("ghcr.io/-app", "invalid repository path component \"-app\""),
                arguments("ghcr.io/app_", "invalid repository path component \"app_\""),
                arguments("ghcr.io/a___b", "invalid repository path component"),
                arguments("foo_bar.com/app", "invalid registry host \"foo_bar.com\""),
                arguments("-host.com/app", "invalid registry host"),
                arguments("host.com:port/app", "invalid port \"port\""),
                arguments("host.com:/app", "invalid port \"\""),
                arguments("a".repeat(64), "image ID"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidReferences")
    void rejectsInvalidReferencesNamingTheProblem(String input, String messageFragment) {
        assertThatThrownBy(() -> ImageRef.parse(input))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessageStartingWith("invalid image reference \"" + ImageRef.printable(input) + "\": ")
                .hasMessageContaining(messageFragment);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> ImageRef.parse(null))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void acceptsANameOfExactlyTheMaximumLength() {
        String repository = "a".repeat(ImageRef.MAX_NAME_LENGTH - "ghcr.io/".length());

        assertThat(ImageRef.parse("ghcr.io/" + repository).repository()).isEqualTo(repository);
        assertThatThrownBy(() -> ImageRef.parse("ghcr.io/" + repository + "a"))
                .hasMessageContaining("256 characters long");
    }

    @Test
    void qualifierPrefersTheDigestOverTheTag() {
        assertThat(ImageRef.parse("nginx:1.27@" + SHA256).qualifier()).isEqualTo(SHA256);
        assertThat(ImageRef.parse("nginx:1.27").qualifier()).isEqualTo("1.27");
        assertThat(ImageRef.parse("nginx").qualifier()).isEqualTo("latest");
    }

    @Test
    void theLongestValidReferenceFitsTheBoundAndOneCharacterMoreIsRefusedFirst() {
        // written with the legacy host, a name of 255 characters once normalized, the longest tag and digest
        String repository = "a/" + "a".repeat(ImageRef.MAX_NAME_LENGTH - "docker.io/a/".length());
        String longest = "index.docker.io/" + repository + ":" + "t".repeat(ImageRef.MAX_TAG_LENGTH) + "@" + SHA512;

        assertThat(longest).hasSize(ImageRef.MAX_REFERENCE_LENGTH);
        assertThat(ImageRef.parse(longest).repository()).isEqualTo(repository);
        assertThatThrownBy(() -> ImageRef.parse(longest + "a"))
                .hasMessageEndingWith(
                        "longer than any valid reference (at most " + ImageRef.MAX_REFERENCE_LENGTH + " characters)");
    }

    @Test
    void aMegabyteStringIsRefusedWithAShortMessage() {
        String huge = "registry.example/" + "a/".repeat(1 << 19);

        assertThatThrownBy(() -> ImageRef.parse(huge))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessage("invalid image reference \"" + huge.substring(0, 64) + "...(" + huge.length()
                        + " characters)\": longer than any valid reference (at most " + ImageRef.MAX_REFERENCE_LENGTH
                        + " characters)");
    }

    @Test
    void printableKeepsReferencesAndDefusesEverythingElse() {
        assertThat(ImageRef.printable("ghcr.io/acme/app:1")).isEqualTo("ghcr.io/acme/app:1");
        assertThat(ImageRef.printable("nginx\u001b[2J\u0007")).isEqualTo("nginx\\u001b[2J\\u0007");
        assertThat(ImageRef.printable("ngin\u202ex")).as("bidi override").isEqualTo("ngin\\u202ex");
        String huge = "x".repeat(100_000);
        String shown = ImageRef.printable(huge);
        assertThat(shown).isEqualTo("x".repeat(64) + "...(100000 characters)");
        assertThat(ImageRef.printable(shown)).as("idempotent").isEqualTo(shown);
        assertThatThrownBy(() -> ImageRef.parse(shown))
                .as("the stand-in stays an invalid reference, reported as too long")
                .hasMessageContaining("longer than any valid reference");
        assertThat(ImageRef.printable(null)).isNull();
    }

    @Test
    void controlCharactersNeverReachAMessage() {
        assertThatThrownBy(() -> ImageRef.parse("nginx\u001b]0;pwned\u0007:1"))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessageNotContaining("\u001b")
                .hasMessageNotContaining("\u0007")
                .hasMessageContaining("nginx\\u001b]0;pwned\\u0007:1");
    }
}
