package dev.imagesize.policy;

/**
 * A policy that asks for Enforce but cannot be used (it does not compile), kept so that the workloads it would govern
 * fail closed instead of passing unchecked.
 *
 * @param scope the workloads it governs: its namespace (or namespaceSelector) and pod selector, as far as they can be
 *     read; its limits are not used
 * @param problem why it cannot be used, in words
 */
public record UnusablePolicy(Rule scope, String problem) {}
