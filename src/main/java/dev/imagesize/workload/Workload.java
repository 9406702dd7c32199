package dev.imagesize.workload;

import dev.imagesize.policy.Container;
import java.util.List;
import java.util.Map;

/**
 * A Pod or a pod controller reduced to what image budgets need: where it is, its pod template's labels, its
 * containers, and where its registry credentials come from.
 *
 * @param kind {@code Deployment}, {@code CronJob}, {@code Pod}, ...
 * @param templateLabels labels of the pod template (the Pod's own labels for a Pod)
 * @param containers containers, init containers and ephemeral containers, in pod spec order
 * @param imagePullSecrets names of Secrets in the workload's namespace
 * @param serviceAccountName the pod's ServiceAccount ({@code default} when unset), whose pull secrets also apply
 */
public record Workload(
        String kind,
        String namespace,
        String name,
        Map<String, String> templateLabels,
        List<Container> containers,
        List<String> imagePullSecrets,
        String serviceAccountName) {

    public Workload {
        templateLabels = templateLabels == null ? Map.of() : Map.copyOf(templateLabels);
        containers = List.copyOf(containers);
        imagePullSecrets = List.copyOf(imagePullSecrets);
    }
}
