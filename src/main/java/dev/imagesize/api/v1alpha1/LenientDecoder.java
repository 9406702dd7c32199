package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.ResolvableDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Decodes one part of a policy (its spec or its status) whatever the API server stored there. A policy stored under an
 * older or looser CRD can hold what the Java fields cannot (a number beyond an {@code int}, an action this version does
 * not know, a string where a list belongs); decoding it the ordinary way would fail the list of every policy an
 * informer reads. Here it decodes to {@link #undecodable(String)}, told which field and why in the words the untyped
 * path uses ({@code spec.maxLayers: Numeric value (3000000000) out of range of int ...}); everything else decodes as
 * Jackson always does.
 */
abstract class LenientDecoder<T> extends StdDeserializer<T> {
    /** Longest problem text kept: the field and the first line of the reason. */
    static final int MAX_PROBLEM_LENGTH = 512;

    private final Class<T> type;
    private final String field;
    /** Jackson's own deserializer of {@code type}, which this one falls back from. */
    private volatile JsonDeserializer<Object> ordinary;

    /**
     * @param field the part's name in the object ({@code spec}, {@code status}), which starts every problem
     */
    LenientDecoder(Class<T> type, String field) {
        super(type);
        this.type = type;
        this.field = field;
    }

    /** What stands for a part that could not be decoded, saying why. */
    abstract T undecodable(String problem);

    @Override
    public T deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        TokenBuffer stored = context.bufferAsCopyOfValue(parser);
        try (JsonParser again = stored.asParserOnFirstToken()) {
            return type.cast(ordinary(context).deserialize(again, context));
        } catch (JsonProcessingException e) {
            return undecodable(problem(e));
        }
    }

    private JsonDeserializer<Object> ordinary(DeserializationContext context) throws JsonMappingException {
        JsonDeserializer<Object> found = ordinary;
        if (found == null) {
            // the factory builds the bean deserializer without looking at the class's @JsonDeserialize, i.e. this one
            JavaType javaType = context.constructType(type);
            found = context.getFactory()
                    .createBeanDeserializer(
                            context, javaType, context.getConfig().introspect(javaType));
            if (found instanceof ResolvableDeserializer resolvable) {
                resolvable.resolve(context);
            }
            ordinary = found;
        }
        return found;
    }

    /** {@code spec.overrides[0].maxLayers: <Jackson's first line>}. */
    private String problem(JsonProcessingException e) {
        String path = "";
        if (e instanceof JsonMappingException mapping) {
            path = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining());
        }
        String reason = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        int newline = reason.indexOf('\n');
        String text = field + path + ": " + (newline < 0 ? reason : reason.substring(0, newline));
        return text.length() <= MAX_PROBLEM_LENGTH ? text : text.substring(0, MAX_PROBLEM_LENGTH);
    }

    /** An ImageSizePolicy's spec. */
    static final class NamespacedSpec extends LenientDecoder<ImageSizePolicySpec> {
        NamespacedSpec() {
            super(ImageSizePolicySpec.class, "spec");
        }

        @Override
        ImageSizePolicySpec undecodable(String problem) {
            ImageSizePolicySpec spec = new ImageSizePolicySpec();
            spec.setUndecodable(problem);
            return spec;
        }
    }

    /** A ClusterImageSizePolicy's spec. */
    static final class ClusterSpec extends LenientDecoder<ClusterImageSizePolicySpec> {
        ClusterSpec() {
            super(ClusterImageSizePolicySpec.class, "spec");
        }

        @Override
        ClusterImageSizePolicySpec undecodable(String problem) {
            ClusterImageSizePolicySpec spec = new ClusterImageSizePolicySpec();
            spec.setUndecodable(problem);
            return spec;
        }
    }

    /** Either kind's status: one that cannot be decoded is as good as none, and the next status replaces it. */
    static final class Status extends LenientDecoder<ImageSizePolicyStatus> {
        Status() {
            super(ImageSizePolicyStatus.class, "status");
        }

        @Override
        ImageSizePolicyStatus undecodable(String problem) {
            return null;
        }
    }
}
