package dev.imagesize.registry;

import dev.imagesize.image.ResolveError;

/** What a registry call ended with, as a value the caches can keep: the value, or the error to answer with. */
sealed interface Outcome<T> {

    record Ok<T>(T value) implements Outcome<T> {}

    record Failed<T>(ResolveError error) implements Outcome<T> {}

    static <T> Outcome<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Outcome<T> failed(ResolveError error) {
        return new Failed<>(error);
    }
}
