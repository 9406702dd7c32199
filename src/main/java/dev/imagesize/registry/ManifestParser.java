package dev.imagesize.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveError.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads image manifests and indexes (Docker v2 schema 2, manifest lists, OCI) into {@link Manifest}s with Jackson's
 * streaming parser, so that memory follows what is kept, not what was sent: unknown fields and annotations are skipped
 * without being decoded, strings are bounded, and a manifest with more layers (or an index with more entries) than the
 * limits is refused as soon as the parser counts past them. Index entries keep their platform's {@code variant}.
 */
final class ManifestParser {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(64 * 1024)
                    .maxNestingDepth(64)
                    .build())
            .build();

    /** What a media type looks like; others are not repeated in messages. */
    private static final Pattern MEDIA_TYPE =
            Pattern.compile("[a-z0-9][a-z0-9.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9.+_-]{0,126}( \\(Docker schema 1\\))?");

    /** The annotation that marks an index entry as an attestation (BuildKit). */
    private static final String REFERENCE_TYPE = "vnd.docker.reference.type";

    private final int maxLayers;
    private final int maxIndexEntries;

    ManifestParser(int maxLayers, int maxIndexEntries) {
        this.maxLayers = maxLayers;
        this.maxIndexEntries = maxIndexEntries;
    }

    /**
     * Parses {@code body}, whose digest is {@code digest} (already verified), answered with {@code contentType}.
     *
     * @throws RegistryFailure BAD_RESPONSE for what cannot be trusted or used, UNSUPPORTED for other formats
     */
    Manifest parse(byte[] body, String contentType, String digest, RegistryErrors.Subject subject)
            throws RegistryFailure {
        try (JsonParser parser = JSON.createParser(body)) {
            return parse(parser, MediaTypes.ofContentType(contentType), digest, subject);
        } catch (IOException | RuntimeException notJson) {
            // Jackson's messages quote the body: never pass them on
            throw new RegistryFailure(new ResolveError(
                    Kind.BAD_RESPONSE,
                    "registry " + subject.registry() + " answered " + subject.image()
                            + " with a body that is not a valid JSON manifest; check that " + subject.registry()
                            + " is a container registry and not a proxy or web page"));
        }
    }

    private Manifest parse(JsonParser parser, String contentType, String digest, RegistryErrors.Subject subject)
            throws IOException, RegistryFailure {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw bad(subject, "with a manifest that is not a JSON object");
        }
        Integer schemaVersion = null;
        String mediaType = null;
        boolean schema1Fields = false;
        Descriptor config = null;
        List<Layer> layers = null;
        List<Manifest.Entry> entries = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "schemaVersion" -> schemaVersion = value == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : -1;
                case "mediaType" -> mediaType = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "config" -> config = descriptor(parser, subject, "config");
                case "layers" -> layers = layers(parser, subject);
                case "manifests" -> entries = entries(parser, subject);
                case "fsLayers", "signatures", "history" -> {
                    schema1Fields = true;
                    parser.skipChildren();
                }
                default -> parser.skipChildren();
            }
        }
        String type = mediaType != null ? mediaType : contentType;
        if (MediaTypes.isSchema1(type) || (schemaVersion != null && schemaVersion == 1) || schema1Fields) {
            throw unsupported(subject, MediaTypes.DOCKER_SCHEMA1_SIGNED + " (Docker schema 1)");
        }
        if (schemaVersion == null || schemaVersion != 2) {
            throw new RegistryFailure(new ResolveError(
                    Kind.UNSUPPORTED,
                    "unsupported manifest for " + subject.image() + ": schemaVersion "
                            + (schemaVersion == null ? "missing" : schemaVersion) + ", expected 2"));
        }
        boolean index = MediaTypes.isIndex(type) || (!MediaTypes.isImageManifest(type) && entries != null);
        if (index) {
            if (entries == null) {
                throw bad(subject, "with an index that lists no manifests");
            }
            return new Manifest.Index(
                    digest, MediaTypes.canonical(type == null ? MediaTypes.OCI_INDEX : type), entries);
        }
        if (config == null) {
            if (type != null && !MediaTypes.isImageManifest(type)) {
                throw unsupported(subject, type);
            }
            throw bad(subject, "with a manifest that has no config descriptor");
        }
        List<Layer> all = layers == null ? List.of() : layers;
        long total = config.size();
        try {
            for (Layer layer : all) {
                total = Math.addExact(total, layer.sizeBytes());
            }
        } catch (ArithmeticException e) {
            throw bad(subject, "with layer sizes that add up to more than 8 EiB");
        }
        return new Manifest.Image(
                digest,
                MediaTypes.canonical(type == null ? MediaTypes.OCI_MANIFEST : type),
                config.digest(),
                config.size(),
                all);
    }

    private List<Layer> layers(JsonParser parser, RegistryErrors.Subject subject) throws IOException, RegistryFailure {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw bad(subject, "with a manifest whose layers are not a list");
        }
        List<Layer> layers = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (layers.size() == maxLayers) {
                throw bad(subject, "with a manifest of more than " + maxLayers + " layers; real images have far fewer");
            }
            Descriptor layer = descriptor(parser, subject, "layer");
            layers.add(new Layer(layer.digest(), layer.size(), layer.mediaType()));
        }
        return layers;
    }

    private List<Manifest.Entry> entries(JsonParser parser, RegistryErrors.Subject subject)
            throws IOException, RegistryFailure {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw bad(subject, "with an index whose manifests are not a list");
        }
        List<Manifest.Entry> entries = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (entries.size() == maxIndexEntries) {
                throw bad(subject, "with an index of more than " + maxIndexEntries + " entries");
            }
            Descriptor entry = descriptor(parser, subject, "index entry");
            entries.add(new Manifest.Entry(
                    entry.digest(),
                    entry.mediaType().isEmpty() ? null : entry.mediaType(),
                    entry.size(),
                    entry.platform(),
                    entry.referenceType() == null ? Map.of() : Map.of(REFERENCE_TYPE, entry.referenceType())));
        }
        return entries;
    }

    /** A content descriptor; for index entries also the platform and the attestation annotation. */
    private record Descriptor(String mediaType, String digest, long size, Platform platform, String referenceType) {}

    private Descriptor descriptor(JsonParser parser, RegistryErrors.Subject subject, String what)
            throws IOException, RegistryFailure {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw bad(subject, "with a " + what + " descriptor that is not a JSON object");
        }
        String mediaType = "";
        String digest = null;
        Long size = null;
        Platform platform = null;
        String referenceType = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "mediaType" ->
                    mediaType = value == JsonToken.VALUE_STRING ? MediaTypes.canonical(parser.getText()) : "";
                case "digest" -> digest = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "size" -> {
                    if (value != JsonToken.VALUE_NUMBER_INT
                            || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        throw bad(subject, "with a " + what + " whose size is not a whole number of bytes");
                    }
                    size = parser.getLongValue();
                }
                case "platform" -> platform = platform(parser);
                case "annotations" -> referenceType = referenceType(parser);
                default -> parser.skipChildren();
            }
        }
        if (!Digests.isDigest(digest)) {
            throw bad(subject, "with a " + what + " without a valid digest");
        }
        if (size == null || size < 0) {
            throw bad(subject, "with a " + what + " whose size is " + (size == null ? "missing" : "negative"));
        }
        return new Descriptor(mediaType, digest, size, platform, referenceType);
    }

    private static Platform platform(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String os = null;
        String architecture = null;
        String variant = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            String text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
            switch (field) {
                case "os" -> os = text;
                case "architecture" -> architecture = text;
                case "variant" -> variant = text == null || text.isEmpty() ? null : text;
                default -> parser.skipChildren();
            }
        }
        return os == null || architecture == null ? null : new Platform(os, architecture, variant);
    }

    private static String referenceType(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String type = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (field.equals(REFERENCE_TYPE) && value == JsonToken.VALUE_STRING) {
                type = parser.getText();
            } else {
                parser.skipChildren();
            }
        }
        return type;
    }

    private static RegistryFailure bad(RegistryErrors.Subject subject, String what) {
        return new RegistryFailure(new ResolveError(
                Kind.BAD_RESPONSE, "registry " + subject.registry() + " answered " + subject.image() + " " + what));
    }

    private static RegistryFailure unsupported(RegistryErrors.Subject subject, String mediaType) {
        // the media type comes from the registry: name it only when it looks like one
        String named = mediaType != null && MEDIA_TYPE.matcher(mediaType).matches() ? mediaType : "(not a media type)";
        return new RegistryFailure(new ResolveError(
                Kind.UNSUPPORTED,
                "unsupported manifest type " + named + " for " + subject.image()
                        + "; push the image again with a current Docker or OCI client"));
    }
}
