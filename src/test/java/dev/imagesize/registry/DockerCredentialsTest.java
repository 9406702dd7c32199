package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagesize.image.ImageRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the command line finds credentials in a Docker config: helpers per registry, the store, then auths. */
class DockerCredentialsTest {
    private final List<String> asked = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    /** Helpers that know some servers; "broken" fails, "absent" is not installed. */
    private DockerCredentials.HelperRunner helpers(Map<String, Map<String, String>> known) {
        return (helper, server) -> {
            asked.add(helper + " " + server);
            if (helper.equals("broken")) {
                throw new IOException("docker-credential-broken exited with status 3");
            }
            if (helper.equals("absent")) {
                throw new IOException("docker-credential-absent is not on the PATH");
            }
            String user = known.getOrDefault(helper, Map.of()).get(server);
            return user == null
                    ? Optional.empty()
                    : Optional.of("{\"ServerURL\":\"" + server + "\",\"Username\":\"" + user + "\",\"Secret\":\"s-"
                            + user + "\"}");
        };
    }

    private DockerCredentials parse(String json, Map<String, Map<String, String>> known) {
        return DockerCredentials.parse(json, "config.json", helpers(known), warnings::add);
    }

    private static String user(DockerCredentials credentials, String image) {
        return credentials
                .credentialFor(ImageRef.parse(image))
                .map(RegistryCredential::username)
                .orElse(null);
    }

    private static String auth(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRegistrysHelperComesFirstThenTheStoreThenAuths() {
        DockerCredentials credentials = parse(
                """
                {"auths": {"auths.example": {"auth": "%s"}, "helped.example": {"auth": "%s"}},
                 "credsStore": "desktop",
                 "credHelpers": {"helped.example": "ecr-login", "127.0.0.1:5000": "local"}}""".formatted(auth("from-auths", "x"), auth("shadowed", "y")),
                Map.of(
                        "ecr-login", Map.of("helped.example", "from-ecr"),
                        "local", Map.of("127.0.0.1:5000", "from-local"),
                        "desktop", Map.of("stored.example", "from-store")));

        assertThat(user(credentials, "helped.example/app:1")).isEqualTo("from-ecr");
        assertThat(user(credentials, "127.0.0.1:5000/app:1")).isEqualTo("from-local");
        assertThat(user(credentials, "stored.example/app:1")).isEqualTo("from-store");
        assertThat(user(credentials, "auths.example/app:1"))
                .as("the store has nothing for it: auths")
                .isEqualTo("from-auths");
        assertThat(user(credentials, "nowhere.example/app:1")).isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void dockerHubIsAskedForByItsServerUrlAsDockerStoresIt() {
        DockerCredentials credentials = parse(
                "{\"credsStore\": \"desktop\"}", Map.of("desktop", Map.of("https://index.docker.io/v1/", "hub-user")));

        assertThat(user(credentials, "nginx:1.27")).isEqualTo("hub-user");
        assertThat(asked).containsExactly("desktop https://index.docker.io/v1/");
    }

    @Test
    void eachRegistryIsAskedOnce() {
        DockerCredentials credentials =
                parse("{\"credsStore\": \"desktop\"}", Map.of("desktop", Map.of("reg.example", "u")));

        user(credentials, "reg.example/a:1");
        user(credentials, "reg.example/b:1");

        assertThat(asked).containsExactly("desktop reg.example");
    }

    @Test
    void aMissingOrFailingHelperIsAWarningAndTheLookupGoesOnWithoutIt() {
        DockerCredentials credentials = parse(
                "{\"credsStore\": \"absent\", \"credHelpers\": {\"reg.example\": \"broken\"},"
                        + " \"auths\": {\"reg.example\": {\"auth\": \"" + auth("fallback", "z") + "\"}}}",
                Map.of());

        assertThat(user(credentials, "reg.example/app:1")).isEqualTo("fallback");
        assertThat(warnings)
                .hasSize(2)
                .anySatisfy(
                        w -> assertThat(w).contains("docker-credential-broken").contains("credHelpers in config.json"))
                .anySatisfy(w -> assertThat(w).contains("docker-credential-absent is not on the PATH"));
    }

    @Test
    void anIdentityTokenInAuthsIsKeptAsOne() {
        DockerCredentials credentials =
                parse("{\"auths\": {\"acr.example\": {\"identitytoken\": \"refresh-123\"}}}", Map.of());

        assertThat(credentials.credentialFor(ImageRef.parse("acr.example/app:1")))
                .hasValueSatisfying(credential -> {
                    assertThat(credential.isIdentityToken()).isTrue();
                    assertThat(credential.password()).isEqualTo("refresh-123");
                });
    }

    @Test
    void aHelperNameThatIsNotAProgramNameIsRefused() {
        assertThatThrownBy(() -> parse("{\"credsStore\": \"../../bin/sh\"}", Map.of()))
                .hasMessageContaining("config.json")
                .hasMessageContaining("credential helper name");
    }
}
