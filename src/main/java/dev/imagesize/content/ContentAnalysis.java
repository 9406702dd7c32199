package dev.imagesize.content;

import dev.imagesize.operator.LeaderTask;
import java.util.List;

/**
 * The content analysis on one operator replica: the watch of ImageAnalysis objects and the publisher of admission
 * misses (every replica), and the work only the leader does (writing workload reports, sweeping old analyses). It
 * queues analyses and reads their results; the analyzer role ({@link AnalyzerRole}) runs them. Off, it does nothing.
 */
public final class ContentAnalysis {
    private final AnalysisIndex index;
    private final MissPublisher publisher;
    private final List<LeaderTask> leaderTasks;

    private ContentAnalysis(AnalysisIndex index, MissPublisher publisher, List<LeaderTask> leaderTasks) {
        this.index = index;
        this.publisher = publisher;
        this.leaderTasks = List.copyOf(leaderTasks);
    }

    /** Content analysis off. */
    public static ContentAnalysis off() {
        return new ContentAnalysis(null, null, List.of());
    }

    /**
     * @param reports started before the audit by the leadership (so it sees the audit's first pass)
     */
    public static ContentAnalysis on(
            AnalysisIndex index, MissPublisher publisher, WorkloadReports reports, AnalysisSweeper sweeper) {
        return new ContentAnalysis(index, publisher, List.of(reports, sweeper));
    }

    public void start() {
        if (index != null) {
            index.start();
            publisher.start();
        }
    }

    public void stop() {
        if (index != null) {
            publisher.stop();
            index.stop();
        }
    }

    /** The leader's tasks, to start before the audit's. */
    public List<LeaderTask> leaderTasks() {
        return leaderTasks;
    }
}
