package dev.imagesize.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates size quantities across resource.Quantity's grammar and around it: signs, leading zeros, long digit runs,
 * fractions, every binary and decimal suffix, the fraction suffixes m/u/n, exponents of every length, and near-misses
 * (K, KB, ki, a bare e). Deterministic for a seed. Only strings the CRD's maxLength admits (64).
 */
final class QuantityGrammar {
    static final int MAX_LENGTH = 64;

    private static final String[] SIGNS = {"", "", "", "", "+", "-"};
    private static final String[] FIXED_INTEGERS = {
        "",
        "0",
        "1",
        "7",
        "00012",
        "1000",
        "9223372036854775806",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        "8070450532247928832"
    };
    private static final String[] SUFFIXES = {
        "", "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E", "m", "u", "n", "K", "KB", "ki", "Gib",
        "e", "E+", "i", "x"
    };

    private final Random random;

    QuantityGrammar(long seed) {
        random = new Random(seed);
    }

    /** The cases anyone would try first, then {@code count} generated ones. */
    List<String> samples(int count) {
        List<String> samples = new ArrayList<>(List.of(
                "1",
                "0",
                "-0",
                "+1",
                ".",
                "+.",
                "5.",
                ".5",
                "1.G",
                "100m",
                "1000m",
                "8Ei",
                "7Ei",
                "7.9Ei",
                "7.99999999999999999999Ei",
                "9.3E",
                "9.2E",
                "1e19",
                "1e18",
                "1e2147483648",
                "1e4294967296",
                "1e4294967295",
                "1e999",
                "1e-999",
                "1e0005",
                "0e999",
                "9223372036854775806.5",
                "9223372036854775806.9999999999",
                "9223372036854775806.999999999",
                "0.0000000001",
                "1e-9",
                "5n",
                "1500u",
                "1Ki",
                "1K",
                "200Mi",
                "2G",
                "1E3",
                "1E+3",
                "1e+",
                "1e"));
        while (samples.size() < count) {
            String sample = generate();
            if (!sample.isEmpty() && sample.length() <= MAX_LENGTH) {
                samples.add(sample);
            }
        }
        return samples;
    }

    private String generate() {
        StringBuilder s = new StringBuilder(pick(SIGNS));
        s.append(random.nextInt(3) == 0 ? pick(FIXED_INTEGERS) : digits(random.nextInt(22)));
        switch (random.nextInt(4)) {
            case 0 -> s.append('.').append(digits(random.nextInt(12)));
            case 1 -> s.append('.');
            default -> {}
        }
        if (random.nextInt(3) == 0) {
            s.append(random.nextBoolean() ? 'e' : 'E')
                    .append(pick(new String[] {"", "", "+", "-"}))
                    .append(digits(1 + random.nextInt(random.nextInt(4) == 0 ? 11 : 4)));
        } else {
            s.append(pick(SUFFIXES));
        }
        return s.toString();
    }

    private String digits(int count) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            s.append((char) ('0' + random.nextInt(10)));
        }
        return s.toString();
    }

    private String pick(String[] choices) {
        return choices[random.nextInt(choices.length)];
    }
}
