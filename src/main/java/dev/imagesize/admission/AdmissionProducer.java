package dev.imagesize.admission;

import dev.imagesize.Config;
import dev.imagesize.assessment.Assessments;
import dev.imagesize.cluster.ClusterView;
import dev.imagesize.cluster.PullSecrets;
import dev.imagesize.content.AdmissionContent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Wires the admission handler to the cluster view, the assessment pipeline and the pull secrets. */
public class AdmissionProducer {

    @Produces
    @Singleton
    AdmissionHandler admissionHandler(
            ClusterView cluster,
            Assessments assessments,
            PullSecrets pullSecrets,
            Config config,
            AdmissionContent content) {
        return new AdmissionHandler(
                cluster, assessments, pullSecrets, config.webhook().deadline(), content);
    }
}
