package dev.imagesize.assessment;

import dev.imagesize.Deadline;
import dev.imagesize.image.ImageRef;
import dev.imagesize.image.ImageSize;
import dev.imagesize.image.InvalidImageReferenceException;
import dev.imagesize.image.Platform;
import dev.imagesize.image.PlatformSelection;
import dev.imagesize.image.ResolveError;
import dev.imagesize.image.ResolveResult;
import dev.imagesize.policy.Baseline;
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
 *
 * <p>Growth limits compare a container's image with the image it ran before ({@link Previous}). A previous image to
 * measure as written (the webhook's old object, the CLI's {@code --baseline}) is resolved with the current images, in
 * one round; the audit's records are candidates, newest first, of which the first whose digest differs from the current
 * image's is what it replaced, so they are resolved (by digest, which the resolver keeps) in a second round, once the
 * current digests are known. Only containers some rule checks the growth of need their previous image.
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

    /**
     * One workload (or one CLI image) and the policies that govern it.
     *
     * @param previous per container slot ({@code Container.slot()}), the images it ran before, newest first; empty when
     *     nothing is known of what ran before
     */
    public record Subject(Workload workload, List<Rule> rules, Map<String, List<Previous>> previous) {
        public Subject {
            rules = List.copyOf(rules);
            previous = previous == null ? Map.of() : Map.copyOf(previous);
        }

        /** A subject whose previous images are unknown (a CREATE, a check without a baseline). */
        public Subject(Workload workload, List<Rule> rules) {
            this(workload, rules, Map.of());
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
            plans.get(i).forEach((image, selection) -> want(platforms, everyPlatform, key(creds, image), selection));
        }
        // previous images to measure as written need no current digest: they go in the first round
        List<Map<Container, Pick>> picks = new ArrayList<>(subjects.size());
        for (Subject subject : subjects) {
            Credentials creds = found.getOrDefault(subject.workload(), Credentials.NONE);
            Map<Container, Pick> subjectPicks = new LinkedHashMap<>();
            for (Container container : checked(subject.workload())) {
                List<Previous> candidates = subject.previous().getOrDefault(container.slot(), List.of());
                PlatformSelection selection = candidates.isEmpty()
                        ? null
                        : PolicyEvaluator.growthSelection(subject.rules(), container, scope);
                if (selection == null) {
                    continue;
                }
                subjectPicks.put(container, new Pick(candidates, selection));
                Previous first = candidates.get(0);
                if (first.digest() == null && first.measured() == null && first.reference() != null) {
                    want(platforms, everyPlatform, key(creds, first.reference()), selection);
                }
            }
            picks.add(subjectPicks);
        }
        Map<Key, ResolveResult> sizes = resolve(platforms, everyPlatform, due, priority);

        // the audit's records: the newest whose digest differs from the current image's, in a second round
        Map<Key, Set<Platform>> again = new LinkedHashMap<>();
        Set<Key> againEvery = new LinkedHashSet<>();
        List<Map<Container, Previous>> chosen = new ArrayList<>(subjects.size());
        for (int i = 0; i < subjects.size(); i++) {
            Credentials creds = found.getOrDefault(subjects.get(i).workload(), Credentials.NONE);
            Map<Container, Previous> subjectChosen = new LinkedHashMap<>();
            picks.get(i).forEach((container, pick) -> {
                Previous previous = pick.choose(currentDigest(sizes, creds, container));
                if (previous == null) {
                    return;
                }
                subjectChosen.put(container, previous);
                ImageRef reference = previous.reference();
                if (previous.measured() == null && reference != null && !sizes.containsKey(key(creds, reference))) {
                    want(again, againEvery, key(creds, reference), pick.selection());
                }
            });
            chosen.add(subjectChosen);
        }
        sizes.putAll(resolve(again, againEvery, due, priority));

        List<Assessed> assessed = new ArrayList<>(subjects.size());
        for (int i = 0; i < subjects.size(); i++) {
            Subject subject = subjects.get(i);
            Credentials creds = found.getOrDefault(subject.workload(), Credentials.NONE);
            List<Container> containers = checked(subject.workload());
            Map<Container, Previous> subjectChosen = chosen.get(i);
            List<Finding> findings = new ArrayList<>(PolicyEvaluator.evaluate(
                    subject.rules(),
                    containers,
                    scope,
                    image -> sizes.get(key(creds, image)),
                    container -> baseline(subjectChosen.get(container), creds, sizes)));
            findings.addAll(unchecked(subject));
            assessed.add(
                    new Assessed(subject, findings, notes(creds, plans.get(i).keySet(), sizes)));
        }
        return assessed;
    }

    /** The previous images of one container, and the platforms its growth is checked on. */
    private record Pick(List<Previous> candidates, PlatformSelection selection) {
        /**
         * What the current image replaced: the first candidate measured as written, or the newest record whose digest
         * differs from the current image's; null when every record is the current image, or the current image has no
         * digest (its size is unknown, so its growth is beside the point).
         */
        Previous choose(String currentDigest) {
            if (currentDigest == null) {
                return null;
            }
            for (Previous candidate : candidates) {
                if (candidate.digest() == null || !candidate.digest().equals(currentDigest)) {
                    return candidate;
                }
            }
            return null;
        }
    }

    /** The digest the current image of {@code container} resolved to (an index's, else the manifest's), or null. */
    private static String currentDigest(Map<Key, ResolveResult> sizes, Credentials creds, Container container) {
        ImageRef ref;
        try {
            ref = ImageRef.parse(container.image());
        } catch (InvalidImageReferenceException e) {
            return null;
        }
        if (sizes.get(key(creds, ref)) instanceof ResolveResult.Sized sized
                && !sized.sizes().isEmpty()) {
            ImageSize first = sized.sizes().get(0);
            return first.indexDigest() != null ? first.indexDigest() : first.manifestDigest();
        }
        return null;
    }

    /** The evaluator's view of a chosen previous image: measured (or why not), and what was recorded of it. */
    private static Baseline baseline(Previous previous, Credentials creds, Map<Key, ResolveResult> sizes) {
        if (previous == null) {
            return null;
        }
        ResolveResult measured = previous.measured();
        if (measured == null) {
            ImageRef reference = previous.reference();
            measured = reference == null
                    ? new ResolveResult.Failed(
                            null,
                            new ResolveError(
                                    ResolveError.Kind.INVALID_REFERENCE, "invalid image \"" + previous.image() + "\""))
                    : sizes.get(key(creds, reference));
        }
        return new Baseline(previous.image(), measured, previous.digest(), previous.recordedSizes());
    }

    private static Key key(Credentials creds, ImageRef image) {
        return new Key(image, creds.config().credentialFor(image).orElse(null));
    }

    private static void want(
            Map<Key, Set<Platform>> platforms, Set<Key> everyPlatform, Key key, PlatformSelection selection) {
        Set<Platform> set = platforms.computeIfAbsent(key, k -> new LinkedHashSet<>());
        if (selection.all()) {
            everyPlatform.add(key);
        } else {
            set.addAll(selection.platforms());
        }
    }

    /** One resolver round over every distinct image and credential, by {@code due}. */
    private Map<Key, ResolveResult> resolve(
            Map<Key, Set<Platform>> platforms,
            Set<Key> everyPlatform,
            Deadline due,
            ImageSizeResolver.Priority priority) {
        Map<Key, ResolveResult> sizes = new HashMap<>();
        if (platforms.isEmpty()) {
            return sizes;
        }
        List<Key> keys = new ArrayList<>(platforms.keySet());
        List<ImageSizeResolver.Lookup> lookups = new ArrayList<>(keys.size());
        for (Key key : keys) {
            PlatformSelection selection = everyPlatform.contains(key)
                    ? PlatformSelection.allPlatforms()
                    : PlatformSelection.of(List.copyOf(platforms.get(key)));
            lookups.add(new ImageSizeResolver.Lookup(key.image(), selection, key.credential()));
        }
        List<ResolveResult> results = resolver.resolveAll(lookups, due, priority);
        for (int i = 0; i < keys.size(); i++) {
            sizes.put(keys.get(i), results.get(i));
        }
        return sizes;
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
