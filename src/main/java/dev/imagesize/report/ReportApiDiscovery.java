package dev.imagesize.report;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Asks the API server's discovery which report APIs it serves: an API counts when both its namespaced and its cluster
 * report resources are listed. Discovery is open to every authenticated client, so this needs no RBAC on CRDs.
 */
public final class ReportApiDiscovery {
    private final KubernetesClient client;

    public ReportApiDiscovery(KubernetesClient client) {
        this.client = client;
    }

    /** The report APIs among {@code candidates} the cluster serves now. */
    public Set<ReportApi> served(Set<ReportApi> candidates) {
        Set<ReportApi> served = EnumSet.noneOf(ReportApi.class);
        for (ReportApi api : candidates) {
            APIResourceList resources = client.getApiResources(api.apiVersion());
            if (resources == null || resources.getResources() == null) {
                continue; // the group version is not served (discovery answers 404)
            }
            Set<String> names =
                    resources.getResources().stream().map(APIResource::getName).collect(Collectors.toSet());
            if (names.contains(api.plural(false)) && names.contains(api.plural(true))) {
                served.add(api);
            }
        }
        return served;
    }
}
