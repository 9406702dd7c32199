package dev.imagesize.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** One container image of one workload over one limit of a policy, with the numbers that prove it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Violation {

    @JsonPropertyDescription("Kind of the top-level workload, e.g. Deployment, CronJob or Pod.")
    private String kind;

    @JsonPropertyDescription("Namespace of the workload.")
    private String namespace;

    @JsonPropertyDescription("Name of the workload.")
    private String name;

    @JsonPropertyDescription("Name of the container (or init or ephemeral container) that runs the image.")
    private String container;

    @JsonPropertyDescription("Image reference as written in the pod spec.")
    private String image;

    @JsonPropertyDescription("Digest of the image manifest that was measured, e.g. sha256:3f2a...")
    private String digest;

    @JsonPropertyDescription("Platform of the measured image, os/arch[/variant], e.g. linux/amd64.")
    private String platform;

    @JsonPropertyDescription("Compressed size of the image for the platform, in bytes (config plus layers, as the"
            + " registry manifest states them); for maxLayerSize, the size of the largest layer.")
    @Min(0)
    @Max(IntegerBounds.LONG)
    private Long sizeBytes;

    @JsonPropertyDescription("The limit that was exceeded, in bytes; unset for maxLayers. For maxGrowth, the largest"
            + " size the growth limit allowed over the image it replaces.")
    @Min(0)
    @Max(IntegerBounds.LONG)
    private Long limitBytes;

    @JsonPropertyDescription("Number of layers of the image; set for maxLayers.")
    @Min(0)
    @Max(IntegerBounds.INT)
    private Integer layers;

    @JsonPropertyDescription("The maximum number of layers that was exceeded; set for maxLayers.")
    @Min(0)
    @Max(IntegerBounds.INT)
    private Integer limitLayers;

    @JsonPropertyDescription("For maxGrowth: the image the container ran before, as written.")
    private String replacedImage;

    @JsonPropertyDescription("For maxGrowth: the digest of the image the container ran before, as compared.")
    private String replacedDigest;

    @JsonPropertyDescription("For maxGrowth: the compressed size of the image the container ran before, for the same"
            + " platform, in bytes.")
    @Min(0)
    @Max(IntegerBounds.LONG)
    private Long replacedSizeBytes;

    @JsonPropertyDescription("Which limit was broken: maxImageSize, maxLayerSize, maxLayers or maxGrowth.")
    private LimitName limit;

    @JsonPropertyDescription("The policy whose limit was broken: namespace/name of an ImageSizePolicy, or the name"
            + " of a ClusterImageSizePolicy.")
    private String policy;

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getContainer() {
        return container;
    }

    public void setContainer(String container) {
        this.container = container;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public String getDigest() {
        return digest;
    }

    public void setDigest(String digest) {
        this.digest = digest;
    }

    public String getPlatform() {
        return platform;
    }

    public void setPlatform(String platform) {
        this.platform = platform;
    }

    public Long getSizeBytes() {
        return sizeBytes;
    }

    public void setSizeBytes(Long sizeBytes) {
        this.sizeBytes = sizeBytes;
    }

    public Long getLimitBytes() {
        return limitBytes;
    }

    public void setLimitBytes(Long limitBytes) {
        this.limitBytes = limitBytes;
    }

    public Integer getLayers() {
        return layers;
    }

    public void setLayers(Integer layers) {
        this.layers = layers;
    }

    public Integer getLimitLayers() {
        return limitLayers;
    }

    public void setLimitLayers(Integer limitLayers) {
        this.limitLayers = limitLayers;
    }

    public String getReplacedImage() {
        return replacedImage;
    }

    public void setReplacedImage(String replacedImage) {
        this.replacedImage = replacedImage;
    }

    public String getReplacedDigest() {
        return replacedDigest;
    }

    public void setReplacedDigest(String replacedDigest) {
        this.replacedDigest = replacedDigest;
    }

    public Long getReplacedSizeBytes() {
        return replacedSizeBytes;
    }

    public void setReplacedSizeBytes(Long replacedSizeBytes) {
        this.replacedSizeBytes = replacedSizeBytes;
    }

    public LimitName getLimit() {
        return limit;
    }

    public void setLimit(LimitName limit) {
        this.limit = limit;
    }

    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Violation v
                && Objects.equals(kind, v.kind)
                && Objects.equals(namespace, v.namespace)
                && Objects.equals(name, v.name)
                && Objects.equals(container, v.container)
                && Objects.equals(image, v.image)
                && Objects.equals(digest, v.digest)
                && Objects.equals(platform, v.platform)
                && Objects.equals(sizeBytes, v.sizeBytes)
                && Objects.equals(limitBytes, v.limitBytes)
                && Objects.equals(layers, v.layers)
                && Objects.equals(limitLayers, v.limitLayers)
                && Objects.equals(replacedImage, v.replacedImage)
                && Objects.equals(replacedDigest, v.replacedDigest)
                && Objects.equals(replacedSizeBytes, v.replacedSizeBytes)
                && limit == v.limit
                && Objects.equals(policy, v.policy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                kind,
                namespace,
                name,
                container,
                image,
                digest,
                platform,
                sizeBytes,
                limitBytes,
                layers,
                limitLayers,
                replacedImage,
                replacedDigest,
                replacedSizeBytes,
                limit,
                policy);
    }

    @Override
    public String toString() {
        return kind + " " + namespace + "/" + name + " container " + container + " image " + image + " (" + platform
                + ") over " + limit + " of " + policy;
    }
}
