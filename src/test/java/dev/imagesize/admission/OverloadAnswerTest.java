package dev.imagesize.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OverloadAnswerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            nullValues = "null",
            value = {
                "{\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"abc\",\"object\":{}}} | abc",
                "{\"request\":{\"kind\":{\"kind\":\"Pod\"},\"uid\":\"late\"}} | late",
                "{\"response\":{\"uid\":\"x\"},\"request\":{\"uid\":\"second\"}} | second",
                "{\"request\":{\"uid\":42}} | null",
                "{\"request\":{\"uid\":\"\"}} | null",
                "{\"request\":\"text\"} | null",
                "[1,2] | null",
                "not json | null",
                "{\"request\":{\"object\":{\"a\": | null",
            })
    void readsOnlyTheRequestUid(String body, String uid) {
        assertThat(OverloadAnswer.uid(body.getBytes(StandardCharsets.UTF_8))).isEqualTo(Optional.ofNullable(uid));
    }

    @org.junit.jupiter.api.Test
    void aUidHiddenBehindAMegabyteIsNotLookedFor() {
        String body = "{\"pad\":\"" + "a".repeat(1 << 20) + "\",\"request\":{\"uid\":\"u\"}}";

        AdmissionHandler.Reply reply = OverloadAnswer.of(body.getBytes(StandardCharsets.UTF_8));

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).contains("overloaded");
    }

    @org.junit.jupiter.api.Test
    void answersAllowedWithAWarning() {
        AdmissionHandler.Reply reply =
                OverloadAnswer.of("{\"request\":{\"uid\":\"u-1\"}}".getBytes(StandardCharsets.UTF_8));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body())
                .isEqualTo("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":"
                        + "\"u-1\",\"allowed\":true,\"warnings\":[\"" + OverloadAnswer.WARNING + "\"]}}");
        assertThat(reply.decision().verdict()).isEqualTo("overloaded");
    }
}
