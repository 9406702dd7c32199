package dev.imagesize.registry;

import dev.imagesize.image.ResolveError;

/** Carries a {@link ResolveError} out of a registry call; the resolver turns it back into a value. */
public class RegistryFailure extends Exception {
    private final ResolveError error;

    public RegistryFailure(ResolveError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ResolveError error() {
        return error;
    }
}
