package dev.imagesize.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MaxGrowthTest {
    private static final long MIB = 1024 * 1024;

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "20%         | 20   |",
                "0%          | 0    |",
                "12.5%       | 12.5 |",
                "1000%       | 1000 |",
                "50Mi        |      | 52428800",
                "1e6         |      | 1000000",
                "20%, 50Mi   | 20   | 52428800",
                "50Mi,20%    | 20   | 52428800",
                "20%  ,  1Gi | 20   | 1073741824"
            })
    void readsAPercentageASizeOrBoth(String text, BigDecimal percent, Long bytes) {
        MaxGrowth growth = MaxGrowth.parse(text);

        assertThat(growth.percent()).isEqualTo(percent);
        assertThat(growth.bytes()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''           | empty",
                "1000.01%     | from 0% to 1000%",
                "1001%        | from 0% to 1000%",
                "-5%          | not a percentage",
                "20.%         | not a percentage",
                "20 %         | not a percentage",
                "0Mi          | more than zero",
                "20           | has no unit: write 20% for a percentage, or a size such as 20Mi",
                "'20%, 1048576' | has no unit",
                "100m         | milli",
                "20%, 30%     | two percentages",
                "1Mi, 2Mi     | two sizes",
                "20%, 1Mi, 2% | at most one percentage and one size",
                "20%,         | a part is empty",
                "lots         | not a number",
                "' 20%'       | spaces before or after it",
                "'20%, 1Mi '  | spaces before or after it",
                "'20%,	1Mi'  | holds white space"
            })
    void refusesWhatTheCrdRefusesNamingTheProblem(String text, String problem) {
        assertThatThrownBy(() -> MaxGrowth.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid maxGrowth \"" + text + "\"")
                .hasMessageContaining(problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"20%", "20%, 50Mi"})
    void aPercentageAllowsThatShareOfThePreviousSizeRoundedDown(String text) {
        MaxGrowth growth = MaxGrowth.parse(text);

        assertThat(growth.allowedBytes(10 * MIB)).isEqualTo(12 * MIB);
        assertThat(growth.allowedBytes(7)).isEqualTo(8); // 1.4 bytes of growth: 1 byte
    }

    @Test
    void bothLimitsAllowTheSmallerGrowth() {
        MaxGrowth both = MaxGrowth.parse("20%, 1Mi");

        assertThat(both.allowedBytes(10 * MIB)).as("20% would be 2 MiB").isEqualTo(11 * MIB);
        assertThat(both.allowedBytes(2 * MIB)).as("1 MiB would be 50%").isEqualTo(2 * MIB + 2 * MIB * 20 / 100);
        assertThat(MaxGrowth.parse("0%").allowedBytes(10)).isEqualTo(10);
        assertThat(MaxGrowth.parse("1000%").allowedBytes(Long.MAX_VALUE / 2)).isEqualTo(Long.MAX_VALUE);
        assertThat(MaxGrowth.parse("7Ei").allowedBytes(7L << 60)).isEqualTo(Long.MAX_VALUE);
    }
}
