package dev.imagesize.assessment;

import dev.imagesize.Deadline;
import dev.imagesize.workload.Workload;
import java.util.List;

/** Where registry credentials for workloads come from (in the cluster: their pull secrets; in the CLI: a file). */
@FunctionalInterface
public interface CredentialSource {

    /** No credentials: anonymous pulls only. */
    CredentialSource ANONYMOUS =
            (workloads, until) -> workloads.stream().map(w -> Credentials.NONE).toList();

    /**
     * The credentials of each workload, in order, as far as they can be read by {@code until}: what is not known by
     * then is left out and named in {@link Credentials#notes()}. Never waits past {@code until}.
     */
    List<Credentials> forWorkloads(List<Workload> workloads, Deadline until);
}
