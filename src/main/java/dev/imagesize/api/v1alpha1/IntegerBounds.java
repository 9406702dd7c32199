package dev.imagesize.api.v1alpha1;

/**
 * The largest values the CRDs accept in integer fields, so that every value the API server stores fits the Java
 * field that reads it: one out-of-range number in one policy would otherwise fail the informer's whole list.
 */
final class IntegerBounds {
    private IntegerBounds() {}

    /** For {@code Integer} fields. */
    static final double INT = Integer.MAX_VALUE;

    /**
     * For {@code Long} fields: 2^53-1, within a long and exactly representable as the float64 the API server's
     * schema bound is, so the bound means what it says.
     */
    static final double LONG = 9_007_199_254_740_991d;
}
