package dev.imagesize.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void readsABearerChallengeAsRegistriesSendIt() {
        assertThat(AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                        + "scope=\"repository:library/nginx:pull\""))
                .containsExactly(new AuthChallenge(
                        "bearer",
                        Map.of(
                                "realm", "https://auth.docker.io/token",
                                "service", "registry.docker.io",
                                "scope", "repository:library/nginx:pull")));
    }

    @Test
    void readsSeveralChallengesUnquotedValuesEscapesAndOddSpacing() {
        List<AuthChallenge> challenges = AuthChallenge.parse(
                "Basic realm=\"Registry \\\"main\\\"\" ,  BEARER  Realm=https://a/t , service = svc");

        assertThat(challenges).hasSize(2);
        assertThat(challenges.get(0).isBasic()).isTrue();
        assertThat(challenges.get(0).realm()).isEqualTo("Registry \"main\"");
        assertThat(challenges.get(1).isBearer()).isTrue();
        assertThat(challenges.get(1).realm()).isEqualTo("https://a/t");
        assertThat(challenges.get(1).service()).isEqualTo("svc");
    }

    @Test
    void malformedHeadersGiveWhatCanBeReadNeverAnException() {
        assertThat(AuthChallenge.parse((String) null)).isEmpty();
        assertThat(AuthChallenge.parse("")).isEmpty();
        assertThat(AuthChallenge.parse("=,=,\"")).isEmpty();
        assertThat(AuthChallenge.parse("Bearer realm=\"unterminated"))
                .singleElement()
                .satisfies(challenge -> assertThat(challenge.realm()).isEqualTo("unterminated"));
    }

    @Test
    void toStringShowsNoParameterValue() {
        assertThat(new AuthChallenge("bearer", Map.of("realm", "https://secret.example/token")).toString())
                .doesNotContain("secret.example");
    }
}
