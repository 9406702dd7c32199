package dev.imagesize.api.v1alpha1;

/** The names this API version is known by, shared by both policy kinds. */
public final class ApiGroup {
    private ApiGroup() {}

    public static final String GROUP = "imagesize.dev";
    public static final String VERSION = "v1alpha1";
    /** {@code kubectl get imagesize} lists both policy kinds. */
    public static final String CATEGORY = "imagesize";

    static final String READY_JSON_PATH = ".status.conditions[?(@.type==\"Ready\")].status";
}
