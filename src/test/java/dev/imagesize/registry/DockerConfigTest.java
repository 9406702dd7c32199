package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.image.ImageRef;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DockerConfigTest {

    private static String auth(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String user(DockerConfig config, String image) {
        return config.credentialFor(ImageRef.parse(image))
                .map(RegistryCredential::username)
                .orElse(null);
    }

    @Test
    void matchesByHostPortAndPathPrefixMostSpecificFirst() {
        DockerConfig config = DockerConfig.parse(
                """
                {"auths": {
                  "registry.example.com": {"auth": "%s"},
                  "registry.example.com/team-a": {"auth": "%s"},
                  "registry.example.com:5000": {"username": "port", "password": "p"},
                  "*.corp.example": {"auth": "%s"},
                  "https://index.docker.io/v1/": {"auth": "%s"}
                }}""".formatted(auth("host", "x"), auth("team", "y"), auth("wild", "z"), auth("hub", "h")));

        assertThat(user(config, "registry.example.com/team-b/app:1")).isEqualTo("host");
        assertThat(user(config, "registry.example.com/team-a/app:1")).isEqualTo("team");
        assertThat(user(config, "registry.example.com/team-ab/app:1")).isEqualTo("host");
        assertThat(user(config, "registry.example.com:5000/app:1")).isEqualTo("port");
        assertThat(user(config, "eu.corp.example/app")).isEqualTo("wild");
        assertThat(user(config, "a.eu.corp.example/app")).isNull();
        assertThat(user(config, "nginx")).isEqualTo("hub");
        assertThat(user(config, "other.example.com/app")).isNull();
    }

    @Test
    void readsLegacyDockercfgAndDecodesPasswordsWithColons() {
        DockerConfig config = DockerConfig.parse("{\"reg.local:5000\": {\"auth\": \"" + auth("u", "p:a:ss") + "\"}}");
        assertThat(config.credentialFor(ImageRef.parse("reg.local:5000/app")))
                .hasValue(new RegistryCredential("u", "p:a:ss"));
    }

    @Test
    void errorsNameTheEntryNeverTheSecret() {
        assertThatThrownBy(() -> DockerConfig.parse("{\"auths\": {\"reg.local\": {\"auth\": \"%%%secret\"}}}"))
                .hasMessageContaining("reg.local")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> DockerConfig.parse("not json")).hasMessageContaining("not valid JSON");
        assertThat(new RegistryCredential("u", "hunter2").toString()).doesNotContain("hunter2");
    }
}
