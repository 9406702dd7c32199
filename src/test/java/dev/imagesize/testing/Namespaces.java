package dev.imagesize.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.ThreadLocalRandom;

/** A fresh namespace per test class, so classes run in any order, and twice, against one API server. */
public final class Namespaces {
    private Namespaces() {}

    /** Creates {@code prefix-RANDOM} and returns its name. */
    public static String create(KubernetesClient client, String prefix) {
        String name = prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .create();
        return name;
    }
}
