package dev.imagesize.admission;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagesize.Deadline;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.assessment.CredentialSource;
import dev.imagesize.assessment.Previous;
import dev.imagesize.assessment.SizeHistory;
import dev.imagesize.content.AdmissionContent;
import dev.imagesize.image.Platform;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.Messages;
import dev.imagesize.policy.PlatformScope;
import dev.imagesize.policy.PolicyEvaluator;
import dev.imagesize.policy.PolicySource;
import dev.imagesize.policy.Rule;
import dev.imagesize.policy.UnusablePolicy;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.workload.ReadFields;
import dev.imagesize.workload.Workload;
import dev.imagesize.workload.WorkloadKind;
import dev.imagesize.workload.Workloads;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Answers one AdmissionReview (v1): the pod spec of a Pod or pod controller is checked against every policy that
 * governs it. Enforce denies with every violating container in one message, Warn allows with warnings, Audit allows.
 * An UPDATE whose images did not change is allowed without any registry lookup; one that changes a container's image
 * hands the old object's image to growth limits (maxGrowth) as what the container ran before. Every answer comes within the
 * review's deadline, credential reads included; what is not known by then is decided by each policy's
 * onResolveError, and credentials not read in time are named in the warnings. An Enforce policy that cannot be used
 * fails closed for the workloads it would govern.
 */
public final class AdmissionHandler {
    /** Lines of a denial message, and warnings, at most per answer (the rest are counted in one more line). */
    static final int MAX_LINES = 20;

    /**
     * The answer while the policies are still loading (a replica that serves before it is ready): not a verdict, so the
     * webhook's failurePolicy decides, as for any review this replica cannot make.
     */
    static final String POLICIES_NOT_LOADED =
            "{\"error\":\"policies not loaded yet: the webhook's failurePolicy decides\"}";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(ReadFields.module());

    private final PolicySource policies;
    private final Assessments assessments;
    private final CredentialSource credentials;
    private final Duration deadline;
    private final AdmissionContent content;

    public AdmissionHandler(
            PolicySource policies, Assessments assessments, CredentialSource credentials, Duration deadline) {
        this(policies, assessments, credentials, deadline, AdmissionContent.NONE);
    }

    /**
     * @param content what the content analysis adds under rejections and warnings (and the images it should queue)
     */
    public AdmissionHandler(
            PolicySource policies,
            Assessments assessments,
            CredentialSource credentials,
            Duration deadline,
            AdmissionContent content) {
        this.policies = policies;
        this.assessments = assessments;
        this.credentials = credentials;
        this.deadline = deadline;
        this.content = content;
    }

    /** An HTTP answer: status code and JSON body. */
    public record Reply(int status, String body, Decision decision) {}

    /** What was decided, for metrics and logs. */
    public record Decision(String kind, String action, String verdict) {
        public Decision {
            kind = kind == null || kind.isEmpty() ? "unknown" : kind;
        }

        Decision(String kind, String verdict) {
            this(kind, "none", verdict);
        }

        static final String ALLOWED = "allowed";
        static final String WARNED = "warned";
        static final String DENIED = "denied";
        static final String SKIPPED = "skipped";
        static final String MALFORMED = "malformed";
    }

    /** Answers a review with the configured deadline, counted from now. */
    public Reply handle(byte[] body) {
        return handle(body, Deadline.in(deadline));
    }

    /**
     * Answers a review by {@code due}: the webhook server computes it from when the request arrived (and the API
     * server's own timeout), so every step of the review, not only the registry lookups, fits in it.
     */
    public Reply handle(byte[] body, Deadline due) {
        JsonNode review;
        try {
            review = JSON.readTree(body);
        } catch (IOException e) {
            return malformed("request body is not valid JSON");
        }
        if (review == null || !review.isObject()) {
            return malformed("request body is not a JSON object");
        }
        if (!"admission.k8s.io/v1".equals(review.path("apiVersion").asText())
                || !"AdmissionReview".equals(review.path("kind").asText())) {
            return malformed("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview");
        }
        JsonNode request = review.path("request");
        String uid = request.path("uid").asText("");
        if (!request.isObject() || uid.isEmpty()) {
            return malformed("AdmissionReview has no request or no request.uid");
        }
        String kind = request.path("kind").path("kind").asText("");
        try {
            return decide(uid, kind, request, due);
        } catch (IllegalArgumentException e) {
            return malformed("cannot read request.object of kind " + kind + ": " + firstLine(e.getMessage()));
        }
    }

    private Reply decide(String uid, String kind, JsonNode request, Deadline due) {
        WorkloadKind workloadKind = WorkloadKind.of(kind).orElse(null);
        String operation = request.path("operation").asText("");
        String subResource = request.path("subResource").asText("");
        boolean checkedSubResource = subResource.isEmpty()
                || (workloadKind == WorkloadKind.POD && "ephemeralcontainers".equals(subResource));
        if (workloadKind == null
                || !checkedSubResource
                || !(operation.equals("CREATE") || operation.equals("UPDATE"))) {
            return allow(uid, kind, Decision.SKIPPED, List.of());
        }
        HasMetadata object = read(request.path("object"), workloadKind.type());
        if (object.getMetadata().getNamespace() == null) {
            object.getMetadata().setNamespace(request.path("namespace").asText(null));
        }
        if (object.getMetadata().getName() == null) {
            object.getMetadata().setName(request.path("name").asText(""));
        }
        HasMetadata old = null;
        if (operation.equals("UPDATE") && request.hasNonNull("oldObject")) {
            old = read(request.path("oldObject"), workloadKind.type());
            if (Workloads.images(Workloads.podSpec(old)).equals(Workloads.images(Workloads.podSpec(object)))) {
                return allow(
                        uid,
                        kind,
                        Decision.SKIPPED,
                        List.of()); // scale, labels, rollout restarts: never a registry call
            }
        }
        Workload workload = Workloads.of(object).orElse(null);
        if (workload == null || workload.containers().isEmpty()) {
            return allow(uid, kind, Decision.SKIPPED, List.of());
        }
        if (!policies.isLoaded()) {
            return new Reply(503, POLICIES_NOT_LOADED, new Decision(kind, "error"));
        }
        Map<String, List<Previous>> previous = old == null ? Map.of() : previousImages(old, workload);
        Map<String, String> namespaceLabels = policies.namespaceLabels(workload.namespace());
        List<Rule> rules = PolicyEvaluator.applicable(
                policies.rules(), workload.namespace(), workload.templateLabels(), namespaceLabels);
        List<String> failingClosed = new ArrayList<>();
        for (UnusablePolicy unusable : policies.failingClosed()) {
            if (unusable.scope().appliesTo(workload.namespace(), workload.templateLabels(), namespaceLabels)) {
                failingClosed.add(unusable.scope().displayName() + " cannot be used (" + unusable.problem()
                        + "); it asks for Enforce, so workloads it governs are denied until it is fixed");
            }
        }
        if (rules.isEmpty() && failingClosed.isEmpty()) {
            return allow(uid, kind, Decision.SKIPPED, List.of());
        }
        Assessments.Assessed assessed = assessments
                .assess(
                        List.of(new Assessments.Subject(workload, rules, previous)),
                        PlatformScope.cluster(policies.clusterPlatforms()),
                        credentials,
                        due,
                        ImageSizeResolver.Priority.ADMISSION)
                .get(0);
        String action = failingClosed.isEmpty() ? strictest(rules) : "Enforce";
        return answer(
                uid,
                kind,
                action,
                assessed,
                failingClosed,
                request.path("dryRun").asBoolean(false));
    }

    /**
     * {@code message} with the content analysis' notes on its image under it, indented: the findings to fix first and
     * base advice, or that the image is now queued so the next attempt shows them.
     */
    private static String withNotes(String message, List<String> notes) {
        return notes.isEmpty() ? message : message + "\n  " + String.join("\n  ", notes);
    }

    /**
     * What each container of an UPDATE ran before: the old object's image of the container with the same name (and list)
     * when the update changes it, with the sizes the audit recorded for that image on the old object, which answer when
     * its registry cannot. Containers whose image is unchanged, and new ones, have none.
     */
    private static Map<String, List<Previous>> previousImages(HasMetadata old, Workload workload) {
        Workload before = Workloads.of(old).orElse(null);
        if (before == null) {
            return Map.of();
        }
        SizeHistory history = SizeHistory.of(old.getMetadata().getAnnotations());
        Map<String, String> oldImages = new HashMap<>();
        before.containers().forEach(container -> oldImages.put(container.slot(), container.image()));
        Map<String, List<Previous>> previous = new HashMap<>();
        for (Container container : workload.containers()) {
            String image = oldImages.get(container.slot());
            if (image != null && !image.equals(container.image())) {
                Map<Platform, Long> recorded = history.latestOf(container.slot(), image)
                        .map(SizeHistory.Entry::sizes)
                        .orElse(Map.of());
                previous.put(container.slot(), List.of(Previous.image(image, recorded)));
            }
        }
        return previous;
    }

    /** The most severe action among the governing policies (Enforce, then Warn, then Audit), for metrics. */
    private static String strictest(List<Rule> rules) {
        Rule.Action action = Rule.Action.AUDIT;
        for (Rule rule : rules) {
            if (rule.action().compareTo(action) < 0) {
                action = rule.action();
            }
        }
        return Messages.capitalized(action.name());
    }

    private Reply answer(
            String uid,
            String kind,
            String action,
            Assessments.Assessed assessed,
            List<String> failingClosed,
            boolean dryRun) {
        List<String> denials = new ArrayList<>(failingClosed);
        List<String> warnings = new ArrayList<>();
        Set<String> notCompared = new LinkedHashSet<>(); // once per policy and container, not per platform
        Set<String> notChecked = new LinkedHashSet<>(); // content limits waiting for the image's analysis
        boolean unknown = false;
        for (Finding finding : assessed.findings()) {
            Rule.Action policyAction = finding.rule().action();
            if (policyAction == Rule.Action.AUDIT) {
                continue;
            }
            if (finding.growthNotCompared()) {
                notCompared.add(Messages.notCompared(finding));
            }
            if (finding.outcome() == Finding.Outcome.WITHIN
                    && content.queueUnchecked(finding, assessed.subject().workload(), dryRun)) {
                notChecked.add(Messages.contentNotChecked(finding));
            }
            if (finding.outcome() == Finding.Outcome.OVER) {
                List<String> notes =
                        content.notesFor(finding, assessed.subject().workload(), dryRun);
                if (policyAction == Rule.Action.ENFORCE) {
                    denials.add(withNotes(Messages.over(finding), notes));
                } else {
                    warnings.add(Messages.over(finding));
                    warnings.addAll(notes); // one warning per line: warnings are single lines
                }
            } else if (finding.outcome() == Finding.Outcome.UNKNOWN) {
                unknown = true;
                switch (finding.rule().onResolveError()) {
                    case DENY ->
                        (policyAction == Rule.Action.ENFORCE ? denials : warnings).add(Messages.unknown(finding));
                    case WARN -> warnings.add(Messages.unknown(finding));
                    case ALLOW -> {}
                }
            }
        }
        warnings.addAll(notCompared); // a growth limit that could not be checked is said, not silently passed
        warnings.addAll(notChecked); // so is a content limit
        if (unknown || !denials.isEmpty() || !warnings.isEmpty()) {
            warnings.addAll(assessed.notes()); // credentials that could not be used may explain the answer
        }
        if (!denials.isEmpty()) {
            ObjectNode response = response(uid, false);
            ObjectNode status = response.putObject("status");
            status.put("code", 403);
            status.put("reason", "Forbidden");
            status.put("message", String.join("\n", atMost(MAX_LINES, denials)));
            addWarnings(response, warnings);
            return reply(200, response, new Decision(kind, action, Decision.DENIED));
        }
        return allow(uid, kind, action, warnings.isEmpty() ? Decision.ALLOWED : Decision.WARNED, warnings);
    }

    private static Reply allow(String uid, String kind, String verdict, List<String> warnings) {
        return allow(uid, kind, "none", verdict, warnings);
    }

    private static Reply allow(String uid, String kind, String action, String verdict, List<String> warnings) {
        ObjectNode response = response(uid, true);
        addWarnings(response, warnings);
        return reply(200, response, new Decision(kind, action, verdict));
    }

    private static void addWarnings(ObjectNode response, List<String> warnings) {
        if (!warnings.isEmpty()) {
            ArrayNode array = response.putArray("warnings");
            atMost(MAX_LINES, warnings).forEach(array::add);
        }
    }

    /**
     * The first {@code max} lines and one that counts the rest: a Pod with thousands of containers gets an answer of
     * bounded size (the API server itself ignores warnings beyond 4,096 characters).
     */
    static List<String> atMost(int max, List<String> lines) {
        if (lines.size() <= max) {
            return lines;
        }
        List<String> kept = new ArrayList<>(lines.subList(0, max));
        kept.add("... and %d more not shown (%d in all)".formatted(lines.size() - max, lines.size()));
        return kept;
    }

    private static ObjectNode response(String uid, boolean allowed) {
        ObjectNode response = JSON.createObjectNode();
        response.put("uid", uid);
        response.put("allowed", allowed);
        return response;
    }

    private static Reply reply(int status, ObjectNode response, Decision decision) {
        ObjectNode review = JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        review.set("response", response);
        return new Reply(status, review.toString(), decision);
    }

    static Reply malformed(String why) {
        ObjectNode error = JSON.createObjectNode();
        error.put("error", "malformed AdmissionReview: " + why);
        return new Reply(400, error.toString(), new Decision("", Decision.MALFORMED));
    }

    private static HasMetadata read(JsonNode node, Class<? extends HasMetadata> type) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("missing or not an object");
        }
        try {
            HasMetadata object = JSON.treeToValue(node, type);
            if (object.getMetadata() == null) {
                object.setMetadata(new ObjectMeta());
            }
            return object;
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
