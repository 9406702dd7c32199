package dev.imagesize.registry;

/** A username and password (or token) for one registry. {@link #toString()} never shows the secret. */
public record RegistryCredential(String username, String password) {
    @Override
    public String toString() {
        return "RegistryCredential[username=" + username + ", password=***]";
    }
}
