package dev.imagesize.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ImageRef;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Which Secrets count as pull secrets, as the kubelet decides, and what is said about those that do not. */
class PullSecretsTest {
    private static final String CONFIG = "{\"auths\":{\"reg.io\":{\"auth\":\""
            + Base64.getEncoder().encodeToString("bot:pa55word".getBytes(StandardCharsets.UTF_8)) + "\"}}}";

    private static Secret secret(String type, String key, String value) {
        return new SecretBuilder()
                .withNewMetadata()
                .withName("regcred")
                .endMetadata()
                .withType(type)
                .addToData(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    @Test
    void dockerConfigJsonAndLegacyDockercfgAreUsed() {
        PullSecrets.SecretValue json =
                PullSecrets.parse(secret(PullSecrets.DOCKER_CONFIG_JSON, ".dockerconfigjson", CONFIG));
        assertThat(json.problem()).isNull();
        assertThat(json.config().credentialFor(ImageRef.parse("reg.io/shop/app:1")))
                .hasValueSatisfying(c -> assertThat(c.username()).isEqualTo("bot"));

        PullSecrets.SecretValue legacy = PullSecrets.parse(secret(
                PullSecrets.DOCKER_CFG,
                ".dockercfg",
                "{\"reg.io\":{\"auth\":\""
                        + Base64.getEncoder().encodeToString("old:pa55".getBytes(StandardCharsets.UTF_8)) + "\"}}"));
        assertThat(legacy.config().credentialFor(ImageRef.parse("reg.io/x:1")))
                .hasValueSatisfying(c -> assertThat(c.username()).isEqualTo("old"));
    }

    @Test
    void secretsOfOtherTypesAreIgnoredAsTheKubeletDoes() {
        PullSecrets.SecretValue opaque = PullSecrets.parse(secret("Opaque", ".dockerconfigjson", CONFIG));
        assertThat(opaque.config()).isNull();
        assertThat(opaque.problem())
                .isEqualTo("is of type Opaque and was ignored (the kubelet uses only kubernetes.io/dockerconfigjson"
                        + " and kubernetes.io/dockercfg)");
    }

    @Test
    void missingOrBrokenSecretsSayWhyWithoutTheirContent() {
        assertThat(PullSecrets.parse(null).problem()).isEqualTo("does not exist");
        assertThat(PullSecrets.parse(secret(PullSecrets.DOCKER_CONFIG_JSON, ".dockercfg", CONFIG))
                        .problem())
                .isEqualTo("has no .dockerconfigjson entry");
        PullSecrets.SecretValue broken =
                PullSecrets.parse(secret(PullSecrets.DOCKER_CONFIG_JSON, ".dockerconfigjson", "{not json pa55word"));
        assertThat(broken.config()).isNull();
        assertThat(broken.problem()).startsWith("cannot be used: ").doesNotContain("pa55word");
    }
}
