package dev.imagesize.testing;

import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.Layer;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.ImageGlob;
import dev.imagesize.policy.Limits;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.Selector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.List;

/** Values for tests: rules, image sizes, findings and workload objects. */
public final class Fixtures {
    private Fixtures() {}

    /** An ImageSizePolicy rule in {@code namespace} with {@code limits}, every workload, no excludes. */
    public static Rule rule(String namespace, String name, Rule.Action action, Limits limits) {
        return rule(namespace, name, action, limits, List.of(), Rule.OnResolveError.WARN);
    }

    /** A rule with explicit platforms and onResolveError. */
    public static Rule rule(
            String namespace,
            String name,
            Rule.Action action,
            Limits limits,
            List<Platform> platforms,
            Rule.OnResolveError onResolveError) {
        return new Rule(
                namespace == null ? Rule.CLUSTER_KIND : Rule.NAMESPACED_KIND,
                namespace,
                name,
                action,
                Selector.EVERYTHING,
                Selector.EVERYTHING,
                limits,
                List.of(),
                List.of(ImageGlob.of("registry.k8s.io/*")),
                platforms,
                onResolveError);
    }

    /** An image for {@code platform} with layers of these sizes and a 1,000-byte config. */
    public static ImageSize size(String reference, String digest, Platform platform, long... layers) {
        List<Layer> list = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            list.add(new Layer(
                    "sha256:" + Integer.toHexString(i + 1).repeat(64).substring(0, 64),
                    layers[i],
                    "application/vnd.oci.image.layer.v1.tar+gzip"));
        }
        return new ImageSize(
                ImageRef.parse(reference),
                null,
                digest,
                platform,
                "application/vnd.oci.image.manifest.v1+json",
                1_000,
                list);
    }

    /** A finding of {@code rule} on a container named {@code container} running {@code size}. */
    public static Finding measured(Rule rule, String container, ImageSize size) {
        Container c =
                new Container(container, Container.Type.CONTAINER, size.image().toString());
        Limits limits = rule.limits();
        List<Limits.Breach> breaches = limits.check(size);
        return new Finding(
                rule,
                c,
                breaches.isEmpty() ? Finding.Outcome.WITHIN : Finding.Outcome.OVER,
                size,
                limits,
                breaches,
                null);
    }

    /**
     * A Deployment {@code name} in {@code namespace} whose pods carry {@code labelKey=name} and run one container,
     * "main", of {@code image}; to be created, applied or reviewed.
     */
    public static Deployment deployment(String namespace, String name, String labelKey, String image) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .addToMatchLabels(labelKey, name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels(labelKey, name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }
}
