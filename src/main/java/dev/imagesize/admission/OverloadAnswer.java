package dev.imagesize.admission;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/**
 * The answer for a review the webhook has no capacity left to look at: allowed, with a warning kubectl prints, as
 * cheap as a review can be answered (only its {@code request.uid} is read, from the first bytes of the body).
 */
final class OverloadAnswer {
    private OverloadAnswer() {}

    static final String WARNING = "image-size-operator is overloaded: admitted without an image size check; the audit"
            + " reports this workload if an image is over budget";

    /** The API server writes {@code request.uid} first; a body that hides it further is not worth more reading. */
    static final int SCANNED_BYTES = 64 * 1024;

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The allowed-with-a-warning review for this body, or a 503 when it has no {@code request.uid} to answer. */
    static AdmissionHandler.Reply of(byte[] body) {
        Optional<String> uid = uid(body);
        if (uid.isEmpty()) {
            return new AdmissionHandler.Reply(
                    503,
                    "{\"error\":\"overloaded: no capacity left, and no request.uid to answer\"}",
                    new AdmissionHandler.Decision("", "none", "overloaded"));
        }
        ObjectNode review = MAPPER.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode response = review.putObject("response");
        response.put("uid", uid.get());
        response.put("allowed", true);
        response.putArray("warnings").add(WARNING);
        return new AdmissionHandler.Reply(
                200, review.toString(), new AdmissionHandler.Decision("", "none", "overloaded"));
    }

    /** {@code request.uid} when it is a string within the first {@link #SCANNED_BYTES} bytes. */
    static Optional<String> uid(byte[] body) {
        try (JsonParser parser = JSON.createParser(body, 0, Math.min(body.length, SCANNED_BYTES))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("request".equals(field) && value == JsonToken.START_OBJECT) {
                    return uidInRequest(parser);
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            // not JSON, or cut off before the uid
        }
        return Optional.empty();
    }

    private static Optional<String> uidInRequest(JsonParser parser) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("uid".equals(field)) {
                return value == JsonToken.VALUE_STRING && !parser.getText().isEmpty()
                        ? Optional.of(parser.getText())
                        : Optional.empty();
            }
            parser.skipChildren();
        }
        return Optional.empty();
    }
}
