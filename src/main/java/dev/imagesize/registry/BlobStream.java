package dev.imagesize.registry;

import dev.imagesize.registry.http.HttpAnswer;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A blob read from a registry as it arrives, for callers that process layers without keeping them (content analysis).
 * Reads are bounded by the byte limit and the deadline given to {@link RegistryClient#openBlob}; the content is hashed
 * on the way, and reaching the end of a blob whose bytes do not match its digest throws. {@link #close()} (always call
 * it) frees the connection and the registry's blob slot; closing before the end aborts the download.
 */
public final class BlobStream extends InputStream {
    private final String digest;
    private final HttpAnswer.BodyStream body;
    private final MessageDigest hasher;
    private final Runnable onClose;
    private boolean verified;
    private boolean closed;

    BlobStream(String digest, HttpAnswer.BodyStream body, Runnable onClose) {
        this.digest = digest;
        this.body = body;
        this.hasher = Digests.hasher(Digests.algorithm(digest));
        this.onClose = onClose;
    }

    /** The digest asked for. */
    public String digest() {
        return digest;
    }

    /** The length the registry declared, or -1 (chunked). */
    public long declaredLength() {
        return body.declaredLength();
    }

    /** Bytes read so far. */
    public long bytesRead() {
        return body.bytesRead();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        int n = body.read(into, offset, length);
        if (n > 0) {
            hasher.update(into, offset, n);
        } else if (n < 0 && !verified) {
            verified = true;
            String actual = Digests.algorithm(digest) + ":" + HexFormat.of().formatHex(hasher.digest());
            if (!actual.equals(digest)) {
                throw new IOException("blob " + digest + " arrived with content whose digest is " + actual);
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            body.close();
            onClose.run();
        }
    }
}
