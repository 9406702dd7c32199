package dev.imagesize.content;

import dev.imagesize.api.v1alpha1.AnalysisRequester;
import dev.imagesize.api.v1alpha1.AnalysisSource;
import dev.imagesize.api.v1alpha1.ImageAnalysis;
import dev.imagesize.api.v1alpha1.ImageSizeReport;
import dev.imagesize.api.v1alpha1.WorkloadReport;
import dev.imagesize.image.ImageSize;
import dev.imagesize.operator.LeaderTask;
import dev.imagesize.operator.WorkloadAudit;
import dev.imagesize.policy.Finding;
import dev.imagesize.workload.Workload;
import dev.imagesize.workload.WorkloadKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The leader's link from the audit to the content analysis: every image a governed workload runs gets its
 * ImageAnalysis (created Pending when the cluster has none), and every governed workload gets an ImageSizeReport in
 * its namespace, owned by it (garbage-collected with it), rewritten when an analysis it uses settles. Writes happen
 * on a thread of their own, never on the audit's.
 */
public final class WorkloadReports implements WorkloadAudit.Observer, LeaderTask {
    private static final Logger LOG = Logger.getLogger(WorkloadReports.class);
    /** Label on each report: the workload's kind. */
    public static final String KIND_LABEL = "imagesize.dev/workload-kind";
    /** Label on each report: the workload's name (shortened with a hash when longer than a label value). */
    public static final String NAME_LABEL = "imagesize.dev/workload-name";
    /** A digest asked for is not asked for again before the watch shows it, for this long. */
    private static final Duration ASKED_MEMORY = Duration.ofMinutes(1);

    private static final int DETAILS_CACHED = 64;

    private final KubernetesClient client;
    private final AnalysisIndex index;
    private final AnalysisObjects objects;
    private final String fieldManager;
    private final Clock clock;

    /** What the last audit said of each governed workload, by report key (namespace/name of the report). */
    private final Map<String, Audited> audited = new ConcurrentHashMap<>();
    /** The report last written per key, so an unchanged report is not written again. */
    private final Map<String, WorkloadReport> written = new ConcurrentHashMap<>();

    private final Map<String, Instant> asked = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Map<String, ImageAnalysis> details = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ImageAnalysis> eldest) {
            return size() > DETAILS_CACHED;
        }
    };
    private volatile boolean running;
    private ExecutorService writer;

    /** One governed workload as the audit last saw it: enough to own and fill its report. */
    private record Audited(String apiVersion, String uid, Workload workload, List<Finding> findings) {
        Set<String> digests() {
            Set<String> digests = new java.util.HashSet<>();
            findings.stream().map(Finding::size).filter(Objects::nonNull).forEach(s -> digests.add(s.manifestDigest()));
            return digests;
        }
    }

    public WorkloadReports(
            KubernetesClient client, AnalysisIndex index, AnalysisObjects objects, String fieldManager, Clock clock) {
        this.client = client;
        this.index = index;
        this.objects = objects;
        this.fieldManager = fieldManager;
        this.clock = clock;
        index.onSettled(this::settled);
    }

    @Override
    public synchronized void startLeading() {
        audited.clear();
        written.clear();
        dirty.clear();
        writer = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "workload-reports");
            thread.setDaemon(true);
            return thread;
        });
        running = true;
    }

    @Override
    public synchronized void stopLeading() {
        running = false;
        if (writer != null) {
            writer.shutdownNow();
            try {
                writer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        audited.clear();
        written.clear();
        dirty.clear();
    }

    @Override
    public void assessed(HasMetadata object, Workload workload, List<Finding> findings) {
        if (!running) {
            return;
        }
        String apiVersion =
                WorkloadKind.of(workload.kind()).map(WorkloadKind::apiVersion).orElse(object.getApiVersion());
        String key = key(workload);
        Audited now = new Audited(apiVersion, object.getMetadata().getUid(), workload, findings);
        Audited before = audited.put(key, now);
        if (!now.equals(before)) {
            mark(key);
        }
    }

    @Override
    public void cleared(HasMetadata object) {
        if (!running) {
            return;
        }
        Optional<WorkloadKind> kind = WorkloadKind.of(object);
        if (kind.isEmpty()) {
            return;
        }
        String namespace = object.getMetadata().getNamespace();
        String name = ReportNames.of(kind.get().kind(), object.getMetadata().getName());
        String key = namespace + "/" + name;
        if (audited.remove(key) != null || written.containsKey(key)) {
            written.remove(key);
            submit(() -> client.resources(ImageSizeReport.class)
                    .inNamespace(namespace)
                    .withName(name)
                    .delete());
        }
    }

    /** The digests the governed workloads run, as the audit last saw them; empty before the audit's first pass. */
    public Set<String> referencedDigests() {
        Set<String> digests = new java.util.HashSet<>();
        audited.values().forEach(entry -> digests.addAll(entry.digests()));
        return digests;
    }

    /** An analysis settled: the reports of the workloads that run it are written again. */
    private void settled(KnownAnalysis known) {
        if (!running) {
            return;
        }
        audited.forEach((key, entry) -> {
            if (entry.digests().contains(known.digest())) {
                mark(key);
            }
        });
    }

    private void mark(String key) {
        if (dirty.add(key)) {
            submit(() -> {
                dirty.remove(key);
                try {
                    write(key);
                } catch (RuntimeException e) {
                    audited.remove(key); // the audit's next pass (or change) writes it again
                    throw e;
                }
            });
        }
    }

    private void submit(Runnable work) {
        ExecutorService current = writer;
        if (current == null || !running) {
            return;
        }
        try {
            current.execute(() -> {
                try {
                    work.run();
                } catch (KubernetesClientException e) {
                    LOG.warnf("writing an image size report failed: %s", e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warnf("writing an image size report failed: %s", e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private void write(String key) {
        Audited entry = audited.get(key);
        if (entry == null || !running) {
            return;
        }
        askForAnalyses(entry);
        WorkloadReport report = ReportBuilder.build(entry.workload(), entry.findings(), this::analysisOf);
        if (report.equals(written.get(key))) {
            return;
        }
        Workload workload = entry.workload();
        ImageSizeReport object = new ImageSizeReport();
        object.setMetadata(new ObjectMetaBuilder()
                .withName(ReportNames.of(workload.kind(), workload.name()))
                .withNamespace(workload.namespace())
                .addToLabels(KIND_LABEL, workload.kind())
                .addToLabels(NAME_LABEL, ReportNames.labelValue(workload.name()))
                .addToOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(entry.apiVersion())
                        .withKind(workload.kind())
                        .withName(workload.name())
                        .withUid(entry.uid())
                        .withController(true)
                        .withBlockOwnerDeletion(false)
                        .build())
                .build());
        object.setReport(report);
        client.resource(object).fieldManager(fieldManager).forceConflicts().serverSideApply();
        written.put(key, report);
    }

    /** Creates the Pending analyses of the workload's images that the cluster has none of (each asked once a while). */
    private void askForAnalyses(Audited entry) {
        Instant now = clock.instant();
        asked.values().removeIf(at -> at.plus(ASKED_MEMORY).isBefore(now));
        Workload workload = entry.workload();
        for (Finding finding : entry.findings()) {
            ImageSize size = finding.size();
            if (size == null
                    || index.byDigest(size.manifestDigest()).isPresent()
                    || asked.putIfAbsent(size.manifestDigest(), now) != null) {
                continue;
            }
            objects.createPending(
                    size.manifestDigest(),
                    size.platform().toString(),
                    size.image().registry() + "/" + size.image().repository(),
                    AnalysisRequester.AUDIT,
                    new AnalysisSource(
                            size.image().registry(),
                            size.image().repository(),
                            workload.namespace(),
                            workload.serviceAccountName(),
                            workload.imagePullSecrets().stream().limit(16).toList()));
        }
    }

    /** The whole analysis of {@code digest}, read again only when the watch saw it change. */
    private Optional<ImageAnalysis> analysisOf(String digest) {
        Optional<KnownAnalysis> known = index.byDigest(digest);
        if (known.isEmpty()) {
            return Optional.empty();
        }
        synchronized (details) {
            ImageAnalysis cached = details.get(known.get().name());
            if (cached != null
                    && Objects.equals(
                            cached.getMetadata().getResourceVersion(),
                            known.get().resourceVersion())) {
                return Optional.of(cached);
            }
        }
        Optional<ImageAnalysis> read = objects.get(known.get().name());
        read.ifPresent(found -> {
            synchronized (details) {
                details.put(found.getMetadata().getName(), found);
            }
        });
        return read;
    }

    private static String key(Workload workload) {
        return workload.namespace() + "/" + ReportNames.of(workload.kind(), workload.name());
    }
}
