package dev.imagesize.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The report CRDs of other tools, as their Go modules ship them (hack/test-env.sh report-crds fetches them through the
 * module proxy): openreports.io Report/ClusterReport (github.com/openreports/reports-api) and wgpolicyk8s.io
 * PolicyReport/ClusterPolicyReport (github.com/kyverno/kyverno). Installed into the real API server, they make it
 * validate every report against the real schema.
 */
public final class ReportCrds {
    /** The wgpolicyk8s.io CRD files. */
    public static final List<String> WGPOLICYK8S =
            List.of("wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml");
    /** The openreports.io CRD files. */
    public static final List<String> OPENREPORTS =
            List.of("openreports.io_reports.yaml", "openreports.io_clusterreports.yaml");

    private static final Map<List<String>, List<String>> NAMES = Map.of(
            WGPOLICYK8S, List.of("policyreports.wgpolicyk8s.io", "clusterpolicyreports.wgpolicyk8s.io"),
            OPENREPORTS, List.of("reports.openreports.io", "clusterreports.openreports.io"));
    private static final Map<List<String>, String> GROUP_VERSIONS =
            Map.of(WGPOLICYK8S, "wgpolicyk8s.io/v1alpha2", OPENREPORTS, "openreports.io/v1alpha1");

    private ReportCrds() {}

    /** The directory hack/test-env.sh keeps them in; fails, naming the command, when they are missing. */
    public static Path directory() {
        Path script = TestCluster.projectDir().resolve("hack/test-env.sh");
        Kubectl.Result printed =
                Kubectl.runProcess(List.of(script.toString(), "print-report-crds"), Map.of(), null, 30);
        Path dir = Path.of(printed.stdout().strip());
        for (String file : concat()) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new IllegalStateException(
                        "report CRD " + file + " missing in " + dir + ": run hack/test-env.sh report-crds");
            }
        }
        return dir;
    }

    private static List<String> concat() {
        return java.util.stream.Stream.concat(WGPOLICYK8S.stream(), OPENREPORTS.stream())
                .toList();
    }

    /** Installs one API's CRDs (server-side, as their projects say) and waits until the API server serves them. */
    public static void install(TestCluster cluster, List<String> api) {
        Path dir = directory();
        for (String file : api) {
            cluster.kubectl()
                    .run(
                            "apply",
                            "--server-side",
                            "--force-conflicts",
                            "-f",
                            dir.resolve(file).toString())
                    .assertSuccess();
        }
        List<String> args = new java.util.ArrayList<>(List.of("wait", "--for=condition=Established", "--timeout=60s"));
        NAMES.get(api).forEach(name -> args.add("crd/" + name));
        cluster.kubectl().run(args.toArray(String[]::new)).assertSuccess();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> served(cluster.client(), api));
    }

    /** Deletes one API's CRDs (and with them every report of that API) and waits until discovery no longer lists them. */
    public static void uninstall(TestCluster cluster, List<String> api) {
        for (String name : NAMES.get(api)) {
            cluster.kubectl()
                    .run("delete", "crd", name, "--ignore-not-found", "--timeout=60s")
                    .assertSuccess();
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !served(cluster.client(), api));
    }

    /** Whether discovery lists the API's group version. */
    public static boolean served(KubernetesClient client, List<String> api) {
        APIResourceList resources = client.getApiResources(GROUP_VERSIONS.get(api));
        return resources != null
                && resources.getResources() != null
                && resources.getResources().size() >= 2;
    }
}
