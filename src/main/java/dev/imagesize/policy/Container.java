package dev.imagesize.policy;

/**
 * One container of a pod spec, as policies see it.
 *
 * @param name the container's name
 * @param type which list of the pod spec it is in
 * @param image the image exactly as written in the pod spec
 */
public record Container(String name, Type type, String image) {

    /**
     * Which container of a pod spec this is, across versions of the workload: its name ({@code api}), prefixed for
     * init and ephemeral containers ({@code init:migrate}, {@code ephemeral:debug}). Container names cannot hold a
     * colon, so the prefixes are unambiguous. An image checked on its own (the CLI) has the empty slot.
     */
    public String slot() {
        String base = name == null ? "" : name;
        return switch (type) {
            case CONTAINER -> base;
            case INIT -> "init:" + base;
            case EPHEMERAL -> "ephemeral:" + base;
        };
    }

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
