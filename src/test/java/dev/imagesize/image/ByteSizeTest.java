package dev.imagesize.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteSizeTest {

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({
        "0, 0",
        "-0, 0",
        "+1, 1",
        "1, 1",
        "1023, 1023",
        "9223372036854775806, 9223372036854775806",
        "9223372036854775806.5, 9223372036854775807",
        "1Ki, 1024",
        "1Mi, 1048576",
        "1Gi, 1073741824",
        "1Ti, 1099511627776",
        "1Pi, 1125899906842624",
        "1Ei, 1152921504606846976",
        "7Ei, 8070450532247928832",
        "200Mi, 209715200",
        "1.5Gi, 1610612736",
        "0.5Ki, 512",
        ".5Ki, 512",
        "1.Ki, 1024",
        "1k, 1000",
        "1M, 1000000",
        "1G, 1000000000",
        "1T, 1000000000000",
        "1P, 1000000000000000",
        "1E, 1000000000000000000",
        "9.223372036854775806E, 9223372036854775806",
        "7.9Ei, 9108079886394091111",
        "2.5G, 2500000000",
        "1e3, 1000",
        "1E6, 1000000",
        "1.5e3, 1500",
        "1e+3, 1000",
        "0e999, 0",
        // fractions of a byte round up
        "0.1, 1",
        "1.5, 2",
        "1.001k, 1001",
        "1.0001k, 1001",
        "1e-3, 1",
        "1e-999, 1",
        "1E+3, 1000",
        "1e003, 1000",
        "0.0000000001, 1",
        "0.000001Ki, 1",
        "1.1Ki, 1127",
    })
    void parsesKubernetesQuantities(String quantity, long bytes) {
        assertThat(ByteSize.parse(quantity)).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(
            delimiter = '|',
            value = {
                // quantity | expected message fragment
                "''| empty",
                "20 MB| whitespace is not allowed",
                "' 1Gi'| whitespace is not allowed",
                "20MB| unknown suffix \"MB\"",
                "1KB| unknown suffix \"KB\"",
                "1K| unknown suffix \"K\"",
                "1ki| unknown suffix \"ki\"",
                "1Gib| unknown suffix \"Gib\"",
                "1e| unknown suffix \"e\"",
                "1e3Ki| unknown suffix \"e3Ki\"",
                "1.2.3| unknown suffix \".3\"",
                "100m| means milli",
                "abc| not a number",
                "Gi| not a number",
                ".| not a number",
                "-1| must not be negative",
                "-1.5Gi| must not be negative",
                "--1| not a number",
                "9223372036854775808| must be less than 9223372036854775807 bytes (8 EiB)",
                "9223372036854775807| must be less than 9223372036854775807 bytes",
                "9223372036854775806.9999999999| must be less than", // rounded up to a nano, as the API server does
                "8Ei| must be less than",
                "7.99999999999999999999Ei| must be less than",
                "9.3E| must be less than",
                "1e19| must be less than",
                "1e999| must be less than",
                "99999999999999999999999999999Ki| must be less than",
                "1e999999999999| the exponent \"999999999999\" has more than 3 digits",
                "1e-1000| has more than 3 digits",
                "1e0003| has more than 3 digits",
                "1n| unknown suffix \"n\"",
                "1u| unknown suffix \"u\"",
            })
    void rejectsWhatIsNotAByteCount(String quantity, String messageFragment) {
        assertThatThrownBy(() -> ByteSize.parse(quantity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid size \"" + quantity + "\": ")
                .hasMessageContaining(messageFragment.strip());
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> ByteSize.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }

    @ParameterizedTest(name = "{0} bytes = {1}")
    @CsvSource({
        "0, 0 B",
        "1, 1 B",
        "512, 512 B",
        "1023, 1023 B",
        "1024, 1.0 KiB",
        "1536, 1.5 KiB",
        "1075, 1.0 KiB",
        "1076, 1.1 KiB",
        "1048524, 1023.9 KiB",
        "1048525, 1.0 MiB",
        "1048575, 1.0 MiB",
        "1048576, 1.0 MiB",
        "851758284, 812.3 MiB",
        "4294967296, 4.0 GiB",
        "1099511627776, 1.0 TiB",
        "1125899906842624, 1.0 PiB",
        "1152921504606846976, 1.0 EiB",
        "9223372036854775807, 8.0 EiB",
        "-1536, -1.5 KiB",
        "-512, -512 B",
    })
    void formatsInBinaryUnitsWithOneDecimal(long bytes, String text) {
        assertThat(ByteSize.format(bytes)).isEqualTo(text);
    }

    @Test
    void formatsTheSmallestLong() {
        assertThat(ByteSize.format(Long.MIN_VALUE)).isEqualTo("-8.0 EiB");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"512, 512 B", "1Ki, 1.0 KiB", "1.5Ki, 1.5 KiB", "200Mi, 200.0 MiB", "1.5Gi, 1.5 GiB", "7Ei, 7.0 EiB"})
    void roundTripsQuantitiesThatFormatExactly(String quantity, String formatted) {
        long bytes = ByteSize.parse(quantity);

        assertThat(ByteSize.format(bytes)).isEqualTo(formatted);
        String asQuantity = formatted.replace(" B", "").replace("iB", "i").replace(" ", "");
        assertThat(ByteSize.parse(asQuantity)).isEqualTo(bytes);
    }
}
