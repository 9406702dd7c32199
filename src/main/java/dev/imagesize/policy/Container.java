package dev.imagesize.policy;

/**
 * One container of a pod spec, as policies see it.
 *
 * @param name the container's name
 * @param type which list of the pod spec it is in
 * @param image the image exactly as written in the pod spec
 */
public record Container(String name, Type type, String image) {

    /** The pod spec lists: {@code containers}, {@code initContainers}, {@code ephemeralContainers}. */
    public enum Type {
        CONTAINER("container"),
        INIT("init container"),
        EPHEMERAL("ephemeral container");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** How messages name it: {@code init container "migrate"}. */
        public String label() {
            return label;
        }
    }
}
