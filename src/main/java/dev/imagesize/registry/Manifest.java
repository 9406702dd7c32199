package dev.imagesize.registry;

import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import java.util.List;
import java.util.Map;

/** A manifest as the resolver keeps it: only what sizes and platform selection need. Immutable, cached by digest. */
public sealed interface Manifest {

    String digest();

    String mediaType();

    /** One platform's image: a config blob and layers. */
    record Image(String digest, String mediaType, String configDigest, long configSizeBytes, List<Layer> layers)
            implements Manifest {
        public Image {
            layers = List.copyOf(layers);
        }
    }

    /** A multi-platform index (OCI image index or Docker manifest list). */
    record Index(String digest, String mediaType, List<Entry> entries) implements Manifest {
        public Index {
            entries = List.copyOf(entries);
        }
    }

    /**
     * One entry of an index.
     *
     * @param platform os, architecture and variant as the index states them, or null when it states none (then
     *     {@link PlatformChooser} has the platform read from the image config)
     * @param annotations the annotations the resolver uses (the attestation marker), not every annotation sent
     */
    record Entry(String digest, String mediaType, long sizeBytes, Platform platform, Map<String, String> annotations) {
        public Entry {
            annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        }

        /** Attestations and other non-images: platform {@code unknown/unknown} or an attestation annotation. */
        public boolean isAttestation() {
            return (platform != null && platform.isUnknown())
                    || "attestation-manifest".equals(annotations.get("vnd.docker.reference.type"));
        }
    }
}
