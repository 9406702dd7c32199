package dev.imagesize.operator;

import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: the operator has started, its cluster view is synced and the webhook serves with a certificate. */
@Readiness
@Singleton
public class OperatorReadiness implements HealthCheck {
    private final OperatorLifecycle lifecycle;

    OperatorReadiness(OperatorLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("operator").status(lifecycle.isReady()).build();
    }
}
