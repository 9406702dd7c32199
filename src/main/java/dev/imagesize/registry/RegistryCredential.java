package dev.imagesize.registry;

/**
 * A username and password (or token) for one registry. {@link #toString()} never shows the secret. The user name
 * {@code <token>} marks an identity token (a refresh token for the registry's token service), as Docker stores them.
 */
public record RegistryCredential(String username, String password) {

    /** The user name Docker's credential helpers give for an identity token. */
    public static final String IDENTITY_TOKEN_USER = "<token>";

    /** An identity token: exchanged at the registry's token service for access tokens, never sent as Basic. */
    public static RegistryCredential identityToken(String token) {
        return new RegistryCredential(IDENTITY_TOKEN_USER, token);
    }

    public boolean isIdentityToken() {
        return IDENTITY_TOKEN_USER.equals(username);
    }

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
