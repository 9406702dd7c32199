package dev.imagesize.operator;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who this replica is: its name in the leader Lease, the reportingInstance of its Events, and the field manager of
 * what it writes, so that anyone can tell which replica wrote an annotation, a status or an Event.
 *
 * @param name POD_NAME in a cluster; host name and process id elsewhere
 */
public record Identity(String name) {

    /** The operator's component name, as Events and managedFields show it. */
    public static final String COMPONENT = "image-size-operator";

    /** The identity from configuration, else POD_NAME, else host name and process id. */
    public static Identity of(String configured) {
        if (configured != null && !configured.isBlank()) {
            return new Identity(configured);
        }
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return new Identity(pod);
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return new Identity(host + "-" + ProcessHandle.current().pid());
    }

    /** The field manager of this replica's writes: {@code image-size-operator@NAME} (at most 128 characters). */
    public String fieldManager() {
        String manager = COMPONENT + "@" + name;
        return manager.length() <= 128 ? manager : manager.substring(0, 128);
    }
}
