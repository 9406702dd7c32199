package dev.imagesize.registry.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS settings of the registry client: verified against the JVM's trusted CAs plus any registry CAs the operator
 * was given (so a registry with a private CA is verified, not "insecure"), or not verified at all for registries
 * listed as insecure.
 */
public final class TlsContexts {
    private TlsContexts() {}

    /** Verifies certificates and host names against the JVM's trust store and {@code extraCas}. */
    public static SSLContext verified(List<X509Certificate> extraCas) {
        try {
            X509ExtendedTrustManager jvm = trustManager(null);
            X509ExtendedTrustManager trust = jvm;
            if (!extraCas.isEmpty()) {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < extraCas.size(); i++) {
                    store.setCertificateEntry("registry-ca-" + i, extraCas.get(i));
                }
                trust = new EitherTrustManager(jvm, trustManager(store));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for registries: " + e.getMessage(), e);
        }
    }

    /** Accepts any certificate for any host: only for registries the user listed as insecure. */
    public static SSLContext unverified() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustingTrustManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for insecure registries: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS context that makes no connection, for a client that speaks plain HTTP only: the JDK's HTTP client needs one
     * even then, and a real one costs a short-lived CLI a noticeable part of its run (the JDK's TLS classes, its cipher
     * suites and EC groups); this one loads nothing, and any TLS use fails.
     */
    public static SSLContext plainHttpOnly() {
        return new SSLContext(new NoTls(), NoTls.PROVIDER, "TLS") {};
    }

    /**
     * The certificates in a PEM file (one or more {@code BEGIN CERTIFICATE} blocks).
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static List<X509Certificate> readPem(Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var certificate : factory.generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read registry CA file " + file + ": " + e.getMessage());
        } catch (CertificateException e) {
            throw new IllegalArgumentException(
                    "registry CA file " + file + " does not hold PEM certificates (-----BEGIN CERTIFICATE-----)");
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(
                    "registry CA file " + file + " holds no certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store); // null: the JVM's trust store (javax.net.ssl.trustStore or cacerts), read now
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** A trust manager for a client: it checks servers only and refuses to judge client certificates. */
    private abstract static class ServerTrustManager extends X509ExtendedTrustManager {
        @Override
        public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("the registry client accepts no client certificates");
        }

        @Override
        public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("the registry client accepts no client certificates");
        }

        @Override
        public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the registry client accepts no client certificates");
        }
    }

    /** Trusts what either trust manager trusts; each checks the host name itself, as the JDK's do. */
    private static final class EitherTrustManager extends ServerTrustManager {
        private final X509ExtendedTrustManager first;
        private final X509ExtendedTrustManager second;

        EitherTrustManager(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException notByTheJvm) {
                second.checkServerTrusted(chain, authType, engine);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException notByTheJvm) {
                second.checkServerTrusted(chain, authType, socket);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException notByTheJvm) {
                second.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second.getAcceptedIssuers();
            X509Certificate[] all = new X509Certificate[a.length + b.length];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }

    /** The service behind {@link #plainHttpOnly()}: no engine, no socket, default parameters. */
    private static final class NoTls extends SSLContextSpi {
        static final Provider PROVIDER = new Provider("imagesize-plain-http", "1", "no TLS: plain HTTP only") {};

        @Override
        protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) {}

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return null;
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return null;
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return new SSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return new SSLParameters();
        }

        private static UnsupportedOperationException refused() {
            return new UnsupportedOperationException("this client speaks plain HTTP only");
        }
    }

    /**
     * Accepts every server. Being an {@link X509ExtendedTrustManager}, it also replaces the JDK's host-name check, which
     * the JDK performs only inside its own trust managers.
     */
    private static final class TrustingTrustManager extends ServerTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
