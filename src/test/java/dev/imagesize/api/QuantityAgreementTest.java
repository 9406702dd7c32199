package dev.imagesize.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.image.ByteSize;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every size quantity the CRDs accept, the operator reads, and the other way round: {@link SizeRuleMirror} (the CRD
 * rule as the API server evaluates it; QuantityAgreementIT holds it to the real API server) against
 * {@link ByteSize#parse}, over quantities generated across the grammar.
 */
class QuantityAgreementTest {

    /** What the operator can use as a limit: a quantity ByteSize reads, more than zero. */
    static boolean operatorAccepts(String quantity) {
        try {
            return ByteSize.parse(quantity) > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void theCrdAcceptsExactlyTheSizesTheOperatorReads() {
        List<String> samples = new QuantityGrammar(2026).samples(200_000);
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (String quantity : samples) {
            boolean crd = SizeRuleMirror.accepts(quantity);
            accepted += crd ? 1 : 0;
            if (crd != operatorAccepts(quantity)) {
                disagreements.add(quantity + " (CRD " + (crd ? "accepts" : "refuses") + ")");
            }
        }

        assertThat(disagreements).isEmpty();
        assertThat(accepted).as("the samples cover both sides").isBetween(samples.size() / 10, samples.size() * 9 / 10);
    }
}
