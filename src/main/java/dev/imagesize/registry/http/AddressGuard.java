package dev.imagesize.registry.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.imagesize.registry.http.TransportException.Reason;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decides which hosts the registry client may connect to. A registry named in an image reference may be anywhere
 * except on a blocked network (by default the link-local range, which holds cloud metadata endpoints). A host that a
 * registry names (a redirect target, a token realm) must in addition not be on a loopback, unspecified or link-local
 * address unless the registry itself is on such an address: a registry on the internet must not steer the operator to
 * its own pod or node.
 *
 * <p>Names are resolved here and kept for 30 s, the JVM's own DNS cache time, so the address checked is the one the
 * HTTP client then connects to (the JDK's client resolves the name again, from the JVM's cache).
 */
public final class AddressGuard {
    /** Link-local (IPv4 and IPv6, where AWS, GCP and Azure serve instance metadata) and two metadata addresses outside it. */
    public static final List<String> DEFAULT_BLOCKED_NETWORKS =
            List.of("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32");

    /** Resolves a host name to its addresses; the JVM's resolver in production, a table in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** Where an address lies, for the rule about hosts a registry names. */
    private enum Scope {
        LOOPBACK("a loopback address"),
        LINK_LOCAL("a link-local address"),
        ELSEWHERE("");

        final String description;

        Scope(String description) {
            this.description = description;
        }

        static Scope of(InetAddress address) {
            if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
                return LOOPBACK; // 0.0.0.0 and :: reach the local host too
            }
            return address.isLinkLocalAddress() ? LINK_LOCAL : ELSEWHERE;
        }
    }

    private final List<Cidr> blocked;
    private final Resolver resolver;
    private final Cache<String, InetAddress[]> resolved = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(30))
            .maximumSize(10_000)
            .executor(Runnable::run)
            .build();

    public AddressGuard(List<Cidr> blocked) {
        this(blocked, InetAddress::getAllByName);
    }

    public AddressGuard(List<Cidr> blocked, Resolver resolver) {
        this.blocked = List.copyOf(blocked);
        this.resolver = resolver;
    }

    /** The default blocked networks, resolving with the JVM's resolver. */
    public static AddressGuard withDefaults() {
        return new AddressGuard(
                DEFAULT_BLOCKED_NETWORKS.stream().map(Cidr::parse).toList());
    }

    public List<Cidr> blockedNetworks() {
        return blocked;
    }

    /** Whether {@code host} was resolved recently, so checking it needs no DNS round trip. */
    boolean isResolved(String host) {
        return resolved.getIfPresent(key(host)) != null;
    }

    /** Checks a registry's own host: any address but a blocked network. */
    public void checkRegistry(String host) throws TransportException {
        for (InetAddress address : resolve(host)) {
            Cidr network = blockedNetwork(address);
            if (network != null) {
                throw new TransportException(
                        Reason.BLOCKED, "registry host " + host + " is on a blocked network (" + network + ")");
            }
        }
    }

    /**
     * Checks a host that the registry at {@code registryHost} named ({@code what}: "a redirect", "the token realm"):
     * not on a blocked network, and on a loopback or link-local address only if the registry is on one as well.
     */
    public void checkNamedBy(String host, String registryHost, String what) throws TransportException {
        InetAddress[] registryAddresses = resolve(registryHost);
        for (InetAddress address : resolve(host)) {
            Cidr network = blockedNetwork(address);
            if (network != null) {
                throw new TransportException(
                        Reason.BLOCKED,
                        what + " of registry " + registryHost + " points to " + host + ", on a blocked network ("
                                + network + ")");
            }
            Scope scope = Scope.of(address);
            if (scope != Scope.ELSEWHERE && Arrays.stream(registryAddresses).noneMatch(own -> Scope.of(own) == scope)) {
                throw new TransportException(
                        Reason.BLOCKED,
                        what + " of registry " + registryHost + " points to " + host + ", on " + scope.description
                                + ", which is refused unless the registry itself is on one");
            }
        }
    }

    private Cidr blockedNetwork(InetAddress address) {
        for (Cidr network : blocked) {
            if (network.contains(address)) {
                return network;
            }
        }
        return null;
    }

    private InetAddress[] resolve(String host) throws TransportException {
        String key = key(host);
        InetAddress[] addresses = resolved.getIfPresent(key);
        if (addresses != null) {
            return addresses;
        }
        try {
            addresses = resolver.resolve(key);
        } catch (UnknownHostException | SecurityException e) {
            throw new TransportException(Reason.CONNECT, "cannot resolve host " + host);
        }
        if (addresses == null || addresses.length == 0) {
            throw new TransportException(Reason.CONNECT, "cannot resolve host " + host);
        }
        resolved.put(key, addresses);
        return addresses;
    }

    /** The bare host: brackets of an IPv6 literal removed, lower case. */
    private static String key(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return bare.toLowerCase(Locale.ROOT);
    }
}
