package dev.imagesize.admission;

import dev.imagesize.Config;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code imagesize.webhook.*} for tests that run {@link WebhookServer} in process: the defaults of {@link Config},
 * with the fields a test changes made mutable.
 */
final class WebhookSettings implements Config.Webhook {
    String certFile;
    String keyFile;
    String clientCaFile;
    Duration deadline = Duration.ofMillis(2500);
    Duration timeoutMargin = Duration.ofSeconds(1);
    int maxBodyBytes = 8 * 1024 * 1024;
    int maxConnections = 1000;
    Duration headerTimeout = Duration.ofSeconds(10);
    Duration idleTimeout = Duration.ofSeconds(120);
    Long maxInflightBodyBytes;
    int workers = 64;
    int queueCapacity = 256;

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public int port() {
        return 0;
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public Duration deadline() {
        return deadline;
    }

    @Override
    public Duration timeoutMargin() {
        return timeoutMargin;
    }

    @Override
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    @Override
    public Tls tls() {
        return new Tls() {
            @Override
            public String mode() {
                return "files";
            }

            @Override
            public String certFile() {
                return certFile;
            }

            @Override
            public String keyFile() {
                return keyFile;
            }

            @Override
            public Duration reloadInterval() {
                return Duration.ofHours(1);
            }

            @Override
            public Optional<String> secretNamespace() {
                return Optional.empty();
            }

            @Override
            public String secretName() {
                return "unused";
            }

            @Override
            public List<String> dnsNames() {
                return List.of();
            }

            @Override
            public String webhookConfiguration() {
                return "unused";
            }

            @Override
            public List<String> protocols() {
                return defaultOf("protocols");
            }

            @Override
            public List<String> cipherSuites() {
                return defaultOf("cipherSuites");
            }

            @Override
            public Duration handshakeTimeout() {
                return Duration.ofSeconds(10);
            }

            @Override
            public Optional<String> clientCaFile() {
                return Optional.ofNullable(clientCaFile);
            }
        };
    }

    @Override
    public Limits limits() {
        return new Limits() {
            @Override
            public int maxConnections() {
                return maxConnections;
            }

            @Override
            public Duration headerTimeout() {
                return headerTimeout;
            }

            @Override
            public Duration idleTimeout() {
                return idleTimeout;
            }

            @Override
            public Optional<Long> maxInflightBodyBytes() {
                return Optional.ofNullable(maxInflightBodyBytes);
            }

            @Override
            public int workers() {
                return workers;
            }

            @Override
            public int queueCapacity() {
                return queueCapacity;
            }
        };
    }

    /** The production default of a list setting of {@link Config.Webhook.Tls}, read from its annotation. */
    private static List<String> defaultOf(String setting) {
        try {
            return List.of(Config.Webhook.Tls.class
                    .getMethod(setting)
                    .getAnnotation(io.smallrye.config.WithDefault.class)
                    .value()
                    .split(","));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
