package dev.imagesize.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The webhook registration of the chart, pointed at an operator process by URL with its real CA and limited to one
 * namespace, with {@code failurePolicy: Fail} so that any unanswered review shows.
 */
public final class WebhookRegistration {
    private WebhookRegistration() {}

    /** For {@code operator}'s webhook, in {@code namespace} only. */
    public static String of(OperatorProcess operator, String namespace, String name) {
        String caBundle =
                Base64.getEncoder().encodeToString(operator.caBundlePem().getBytes(StandardCharsets.UTF_8));
        return of(operator.webhookUrl(), caBundle, namespace, name);
    }

    /** For the webhook at {@code url} trusted through {@code caBundle} (base64 PEM; empty for none). */
    public static String of(String url, String caBundle, String namespace, String name) {
        return """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: %s}
                webhooks:
                - name: validate.imagesize.dev
                  admissionReviewVersions: [v1]
                  sideEffects: None
                  timeoutSeconds: 5
                  failurePolicy: Fail
                  clientConfig: {url: "%s"%s}
                  namespaceSelector:
                    matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: In, values: [%s]}
                  rules:
                  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods, pods/ephemeralcontainers, replicationcontrollers]}
                  - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments, statefulsets, daemonsets, replicasets]}
                  - {apiGroups: [batch], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [jobs, cronjobs]}
                """.formatted(name, url, caBundle.isEmpty() ? "" : ", caBundle: \"" + caBundle + "\"", namespace);
    }
}
