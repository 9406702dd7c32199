package dev.imagesize.content;

import dev.imagesize.operator.ProcessRole;

/**
 * The analyzer role ({@code imagesize.role=analyzer}): the watch of ImageAnalysis objects and this replica's analysis
 * worker, nothing else (no webhook, no audit, no reconcilers, no leader election). Any number of replicas run at once.
 */
public final class AnalyzerRole implements ProcessRole {
    private final AnalysisIndex index;
    private final AnalysisWorker worker;

    public AnalyzerRole(AnalysisIndex index, AnalysisWorker worker) {
        this.index = index;
        this.worker = worker;
    }

    @Override
    public void start() {
        index.start();
        worker.start();
    }

    @Override
    public void stop() {
        worker.stop();
        index.stop();
    }

    @Override
    public boolean isReady() {
        return index.isSynced();
    }

    @Override
    public String describe() {
        return "analyzer";
    }
}
