package dev.imagesize.cluster;

import dev.imagesize.policy.Rule;

/**
 * One policy object as the operator understood it: its rule, or why it has none.
 *
 * @param id the policy
 * @param uid the object's uid
 * @param generation metadata.generation of what was compiled
 * @param rule the compiled rule; null when the policy cannot be used
 * @param problem why the policy cannot be used (undecodable, out of range); null when it compiled
 * @param enforce whether the policy asks for Enforce (as far as that can be read from an unusable one)
 * @param scope for an unusable policy, a rule with its selectors (or, unreadable, everything in its namespaces) for
 *     failing closed; null when it compiled
 */
public record CompiledPolicy(
        PolicyId id, String uid, Long generation, Rule rule, String problem, boolean enforce, Rule scope) {

    public boolean isValid() {
        return rule != null;
    }
}
