package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** dive's CI rules: names, defaults, comparison operators, go-humanize's size parsing, the .dive-ci file. */
class DiveCiRulesTest {

    @Test
    void sizesParseAsGoHumanizeParsesThem() {
        assertThat(DiveCiRules.parseBytes("20MB")).isEqualTo(20_000_000);
        assertThat(DiveCiRules.parseBytes("20Mb")).isEqualTo(20_000_000);
        assertThat(DiveCiRules.parseBytes("20M")).isEqualTo(20_000_000);
        assertThat(DiveCiRules.parseBytes("20MiB")).isEqualTo(20_971_520);
        assertThat(DiveCiRules.parseBytes("20Mi")).isEqualTo(20_971_520);
        assertThat(DiveCiRules.parseBytes("1,000")).isEqualTo(1000);
        assertThat(DiveCiRules.parseBytes("1.5 KiB")).isEqualTo(1536);
        assertThat(DiveCiRules.parseBytes("42")).isEqualTo(42);
        assertThatThrownBy(() -> DiveCiRules.parseBytes("20 parsecs")).hasMessageContaining("unhandled size name");
        assertThatThrownBy(() -> DiveCiRules.parseBytes("MB")).hasMessageContaining("invalid config value");
    }

    @Test
    void defaultsAreDivesAndComparisonsAreDivesOperators() {
        DiveCiRules rules = DiveCiRules.defaults();
        assertThat(rules).isEqualTo(new DiveCiRules("0.9", "disabled", "0.1"));
        // exactly at the thresholds: dive passes (it fails on threshold > efficiency and on percent > threshold)
        List<DiveCiRules.Result> atThresholds = rules.evaluate(new DiveCiRules.Figures(0.9, 1 << 30, 0.1));
        assertThat(atThresholds).extracting(DiveCiRules.Result::status).containsExactly("PASS", "SKIP", "PASS");
        List<DiveCiRules.Result> below = rules.evaluate(new DiveCiRules.Figures(0.89, 0, 0.11));
        assertThat(below).extracting(DiveCiRules.Result::status).containsExactly("FAIL", "SKIP", "FAIL");
        assertThat(DiveCiRules.passed(below)).isFalse();
        // NaN user-wasted percent (nothing above the first layer) never fails, as in Go
        assertThat(rules.evaluate(new DiveCiRules.Figures(1.0, 0, Double.NaN)))
                .extracting(DiveCiRules.Result::status)
                .containsExactly("PASS", "SKIP", "PASS");
    }

    @Test
    void wastedBytesRuleFailsAboveTheThresholdOnly() {
        DiveCiRules rules = new DiveCiRules("disabled", "20KB", "off");
        assertThat(rules.evaluate(new DiveCiRules.Figures(0, 20_000, 1)))
                .extracting(DiveCiRules.Result::status)
                .containsExactly("SKIP", "PASS", "SKIP");
        assertThat(rules.evaluate(new DiveCiRules.Figures(0, 20_001, 1)).get(1).message())
                .isEqualTo("too many bytes wasted (wasted-bytes=20001 > threshold=20000)");
    }

    @Test
    void outOfRangeOrUnparsableValuesAreMisconfiguredAndFail() {
        List<DiveCiRules.Result> results =
                new DiveCiRules("1.5", "lots", "x").evaluate(new DiveCiRules.Figures(1, 0, 0));
        assertThat(results).extracting(DiveCiRules.Result::status).containsOnly("MISCONFIGURED");
        assertThat(results.get(0).message()).contains("outside allowed range (0-1)");
        assertThat(DiveCiRules.passed(results)).isFalse();
    }

    @Test
    void aDiveCiFileReplacesTheValuesItNamesInEitherSpelling() {
        DiveCiRules legacy =
                DiveCiRules.defaults().withFile("rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n");
        assertThat(legacy).isEqualTo(new DiveCiRules("0.95", "20MB", "0.1"));
        DiveCiRules kebab = DiveCiRules.defaults().withFile("rules:\n  highest-user-wasted-percent: 0.2\n");
        assertThat(kebab).isEqualTo(new DiveCiRules("0.9", "disabled", "0.2"));
        assertThatThrownBy(() -> DiveCiRules.defaults().withFile("rules: [unclosed"))
                .hasMessageContaining("not valid YAML");
    }
}
