package dev.imagesize.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sizes in messages: the figures of exact decimal arithmetic, whichever way they are computed. */
class MessagesFormatTest {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    @ParameterizedTest(name = "{0} with {1} decimals")
    @CsvSource({
        "1048524, 1, 1023.9 KiB",
        "1048525, 1, 1.0 MiB",
        "2410000, 2, 2.30 MiB",
        "2400000, 2, 2.29 MiB",
        "1025, 3, 1.001 KiB",
        "1024, 3, 1.000 KiB",
        "-1126, 1, -1.1 KiB",
        "-1127, 2, -1.10 KiB",
    })
    void roundsHalfUpAtTheGivenDecimals(long bytes, int decimals, String text) {
        assertThat(Messages.format(bytes, decimals)).isEqualTo(text);
    }

    @Test
    void agreesWithExactDecimalArithmeticAcrossTheRange() {
        SplittableRandom random = new SplittableRandom(13);
        List<Long> sizes = new ArrayList<>();
        for (int shift = 10; shift < 63; shift++) { // each unit's edges and rounding boundaries
            long power = 1L << shift;
            for (long delta = -3; delta <= 3; delta++) {
                sizes.add(power + delta);
                sizes.add(power - power / 2048 + delta); // near x.x5 of the unit below
            }
        }
        for (int i = 0; i < 20_000; i++) {
            sizes.add(random.nextLong(1024, Long.MAX_VALUE) >>> random.nextInt(0, 53));
        }
        sizes.add(Long.MAX_VALUE);
        sizes.add(Long.MIN_VALUE);
        sizes.add(Long.MIN_VALUE + 1);
        for (long size : sizes) {
            for (long signed : new long[] {size, -size}) {
                if (signed > -1024 && signed < 1024) {
                    continue;
                }
                for (int decimals = 0; decimals <= 3; decimals++) {
                    assertThat(Messages.format(signed, decimals))
                            .as("%d bytes with %d decimals", signed, decimals)
                            .isEqualTo(exact(signed, decimals));
                }
            }
        }
    }

    /** The definition: divide by 1024 until the value rounded half up reads under 1024. */
    private static String exact(long bytes, int decimals) {
        BigDecimal value = BigDecimal.valueOf(bytes);
        BigDecimal rounded;
        int unit = -1;
        do {
            unit++;
            value = value.divide(BigDecimal.valueOf(1024));
            rounded = value.setScale(decimals, RoundingMode.HALF_UP);
        } while (rounded.abs().compareTo(BigDecimal.valueOf(1024)) >= 0 && unit < UNITS.length - 1);
        return rounded.toPlainString() + " " + UNITS[unit];
    }
}
