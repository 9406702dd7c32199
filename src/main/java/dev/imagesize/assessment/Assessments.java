package dev.imagesize.assessment;

import dev.imagesize.Deadline;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.policy.Container;
import dev.imagesize.policy.Finding;
import dev.imagesize.policy.PlatformScope;
import dev.imagesize.policy.PolicyEvaluator;
import dev.imagesize.policy.Rule;
import dev.imagesize.registry.ImageSizeResolver;
import dev.imagesize.registry.RegistryCredential;
import dev.imagesize.workload.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one assessment pipeline of the webhook, the audit and the CLI: plan which images each workload's policies need
 * sized, read the workloads' credentials, resolve every distinct image and credential once, and evaluate, all within
 * one deadline. Credentials get at most half of the time left, so registry lookups always get the rest.
 */
public final class Assessments {
    private final ImageSizeResolver resolver;
    private final int maxContainers;

    /**
     * @param maxContainers containers checked per workload at most; further ones are UNKNOWN for every policy, so
     *     that each policy's onResolveError decides (a pod spec cannot hide an image past the cap)
     */
    public Assessments(ImageSizeResolver resolver, int maxContainers) {
        this.resolver = resolver;
        this.maxContainers = maxContainers;
    }

    /** One workload (or one CLI image) and the policies that govern it. */
    public record Subject(Workload workload, List<Rule> rules) {
        public Subject {
            rules = List.copyOf(rules);
        }
    }

    /** What the policies concluded about one subject, and what could not be taken into account. */
    public record Assessed(Subject subject, List<Finding> findings, List<String> notes) {
        public Assessed {
            findings = List.copyOf(findings);
            notes = List.copyOf(notes);
        }
    }

    /** An image as seen with one credential: the unit of registry work. */
    private record Key(ImageRef image, RegistryCredential credential) {}

    /** Assesses every subject by {@code due}; results are in the order of {@code subjects}. */
    public List<Assessed> assess(
            List<Subject> subjects,
            PlatformScope scope,
            CredentialSource credentials,
            Deadline due,
            ImageSizeResolver.Priority priority) {
        List<Map<ImageRef, PlatformSelection>> plans = new ArrayList<>(subjects.size());
        List<Workload> needCredentials = new ArrayList<>();
        for (Subject subject : subjects) {
            Map<ImageRef, PlatformSelection> plan =
                    PolicyEvaluator.imagesToSize(subject.rules(), checked(subject.workload()), scope);
            plans.add(plan);
            if (!plan.isEmpty()) {
                needCredentials.add(subject.workload());
            }
        }
        Map<Workload, Credentials> found = new HashMap<>();
        if (!needCredentials.isEmpty()) {
            List<Credentials> read = credentials.forWorkloads(needCredentials, credentialDeadline(due));
            for (int i = 0; i < needCredentials.size(); i++) {
                found.put(needCredentials.get(i), read.get(i));
            }
        }

        Map<Key, Set<Platform>> platforms = new LinkedHashMap<>();
        Set<Key> everyPlatform = new LinkedHashSet<>();
        for (int i = 0; i < subjects.size(); i++) {
            Credentials creds = found.getOrDefault(subjects.get(i).workload(), Credentials.NONE);
            plans.get(i).forEach((image, selection) -> {
                Key key = new Key(image, creds.config().credentialFor(image).orElse(null));
                Set<Platform> set = platforms.computeIfAbsent(key, k -> new LinkedHashSet<>());
                if (selection.all()) {
                    everyPlatform.add(key);
                } else {
                    set.addAll(selection.platforms());
                }
            });
        }
        List<Key> keys = new ArrayList<>(platforms.keySet());
        List<ImageSizeResolver.Lookup> lookups = new ArrayList<>(keys.size());
        for (Key key : keys) {
            PlatformSelection selection = everyPlatform.contains(key)
                    ? PlatformSelection.allPlatforms()
                    : PlatformSelection.of(List.copyOf(platforms.get(key)));
            lookups.add(new ImageSizeResolver.Lookup(key.image(), selection, key.credential()));
        }
        Map<Key, ResolveResult> sizes = new HashMap<>();
        if (!lookups.isEmpty()) {
            List<ResolveResult> results = resolver.resolveAll(lookups, due, priority);
            for (int i = 0; i < keys.size(); i++) {
                sizes.put(keys.get(i), results.get(i));
            }
        }

        List<Assessed> assessed = new ArrayList<>(subjects.size());
        for (int i = 0; i < subjects.size(); i++) {
            Subject subject = subjects.get(i);
            Credentials creds = found.getOrDefault(subject.workload(), Credentials.NONE);
            List<Container> containers = checked(subject.workload());
            List<Finding> findings = new ArrayList<>(PolicyEvaluator.evaluate(
                    subject.rules(),
                    containers,
                    scope,
                    image -> sizes.get(
                            new Key(image, creds.config().credentialFor(image).orElse(null)))));
            findings.addAll(unchecked(subject));
            assessed.add(
                    new Assessed(subject, findings, notes(creds, plans.get(i).keySet(), sizes)));
        }
        return assessed;
    }

    /**
     * What the answer should mention besides the findings: credentials that could not be used, and sizes that come
     * from a tag's last known digest because its registry could not confirm the tag just now.
     */
    private static List<String> notes(Credentials creds, Set<ImageRef> images, Map<Key, ResolveResult> sizes) {
        List<String> notes = new ArrayList<>(creds.notes());
        for (ImageRef image : images) {
            ResolveResult result =
                    sizes.get(new Key(image, creds.config().credentialFor(image).orElse(null)));
            if (result instanceof ResolveResult.Sized sized && sized.isStale()) {
                notes.add("image \"" + image + "\": " + sized.stale().describe());
            }
        }
        return notes;
    }

    /** The containers checked: the first {@code maxContainers}. */
    private List<Container> checked(Workload workload) {
        List<Container> all = workload.containers();
        return all.size() <= maxContainers ? all : all.subList(0, maxContainers);
    }

    /** One UNKNOWN finding per policy for the containers past the cap, so that onResolveError decides. */
    private List<Finding> unchecked(Subject subject) {
        List<Container> all = subject.workload().containers();
        if (all.size() <= maxContainers) {
            return List.of();
        }
        Container first = all.get(maxContainers);
        ResolveError error = new ResolveError(
                ResolveError.Kind.UNSUPPORTED,
                "not checked: the pod spec has " + all.size() + " containers and at most " + maxContainers
                        + " are checked");
        List<Finding> findings = new ArrayList<>();
        for (Rule rule : subject.rules()) {
            findings.add(new Finding(rule, first, Finding.Outcome.UNKNOWN, null, rule.limits(), List.of(), error));
        }
        return findings;
    }

    /** Credentials may use half of the time left, so that registry lookups keep the other half. */
    static Deadline credentialDeadline(Deadline due) {
        Duration left = due.remaining();
        return Deadline.in(left.dividedBy(2));
    }
}
