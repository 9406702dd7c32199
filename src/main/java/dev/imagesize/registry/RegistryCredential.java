package dev.imagesize.registry;

/** A username and password (or token) for one registry. {@link #toString()} never shows the secret. */
public record RegistryCredential(String username, String password) {

    /**
     * A stable, non-reversible name for this credential, so caches keep what one credential revealed apart from
     * what another (or anonymous access) may see.
     */
    public String fingerprint() {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((username + "\u0000" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "RegistryCredential[username=" + username + ", password=***]";
    }
}
