package dev.imagesize.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageRefTest {
    private static final String D = "sha256:" + "a".repeat(64);

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "-",
            value = {
                // input, registry, repository, tag, digest, normalized
                "nginx, docker.io, library/nginx, latest, -, docker.io/library/nginx:latest",
                "nginx:1.27, docker.io, library/nginx, 1.27, -, docker.io/library/nginx:1.27",
                "user/app, docker.io, user/app, latest, -, docker.io/user/app:latest",
                "docker.io/library/nginx, docker.io, library/nginx, latest, -, docker.io/library/nginx:latest",
                "index.docker.io/user/app:v1, docker.io, user/app, v1, -, docker.io/user/app:v1",
                "registry:5000/a/b:tag, registry:5000, a/b, tag, -, registry:5000/a/b:tag",
                "localhost/x, localhost, x, latest, -, localhost/x:latest",
                "localhost:5000/x:y, localhost:5000, x, y, -, localhost:5000/x:y",
                "127.0.0.1:5000/shop/api:1.4, 127.0.0.1:5000, shop/api, 1.4, -, 127.0.0.1:5000/shop/api:1.4",
                "ghcr.io/acme/ml-train:2024.1, ghcr.io, acme/ml-train, 2024.1, -, ghcr.io/acme/ml-train:2024.1",
                "registry.k8s.io/pause:3.9, registry.k8s.io, pause, 3.9, -, registry.k8s.io/pause:3.9",
                "a/b/c/d_e__f-g.h:T_1, docker.io, a/b/c/d_e__f-g.h, T_1, -, docker.io/a/b/c/d_e__f-g.h:T_1",
            })
    void parsesAndNormalizes(String input, String registry, String repository, String tag, String digest, String text) {
        ImageRef ref = ImageRef.parse(input);
        assertThat(ref.registry()).isEqualTo(registry);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).isEqualTo(tag);
        assertThat(ref.digest()).isEqualTo(digest);
        assertThat(ref.toString()).isEqualTo(text);
    }

    @org.junit.jupiter.api.Test
    void digestWinsOverTag() {
        ImageRef byDigest = ImageRef.parse("nginx@" + D);
        assertThat(byDigest.tag()).isNull();
        assertThat(byDigest.qualifier()).isEqualTo(D);
        assertThat(byDigest.toString()).isEqualTo("docker.io/library/nginx@" + D);

        ImageRef both = ImageRef.parse("host:5000/app:1.0@" + D);
        assertThat(both.tag()).isEqualTo("1.0");
        assertThat(both.qualifier()).isEqualTo(D);
        assertThat(both.registry()).isEqualTo("host:5000");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''| the reference is empty",
                "Nginx| repository name must be lowercase",
                "ghcr.io/Acme/app| repository name must be lowercase",
                "nginx@sha256:abc| sha256 digest must be 64 lowercase hex digits",
                "nginx@md5:0123456789abcdef0123456789abcdef| unsupported digest algorithm \"md5\"",
                "nginx@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa| has no algorithm",
                "nginx:-bad| invalid tag \"-bad\"",
                "nginx:| invalid tag",
                "a//b| empty path component",
                "ngi nx| whitespace",
                "reg.io/| the repository name is empty",
                "reg.io/a-/b| invalid repository path component \"a-\"",
            })
    void refusesInvalidReferencesNamingTheProblem(String input, String message) {
        assertThatThrownBy(() -> ImageRef.parse(input))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessageContaining("invalid image reference")
                .hasMessageContaining(message);
    }
}
