package dev.imagesize.report;

import dev.imagesize.operator.LeaderTask;

/**
 * The leader-only work of this package, started and stopped together: the per-policy unresolved gauges, and the
 * policy reports unless they are off.
 */
public final class ReportingTasks implements LeaderTask {
    private final UnresolvedGauges unresolved;
    private final PolicyReporter reporter;

    /** {@code reporter} is null with reports off. */
    public ReportingTasks(UnresolvedGauges unresolved, PolicyReporter reporter) {
        this.unresolved = unresolved;
        this.reporter = reporter;
    }

    @Override
    public void startLeading() {
        unresolved.startLeading();
        if (reporter != null) {
            reporter.startLeading();
        }
    }

    @Override
    public void stopLeading() {
        if (reporter != null) {
            reporter.stopLeading();
        }
        unresolved.stopLeading();
    }
}
