package dev.imagesize.registry.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which hosts the registry client may reach, with a table of names instead of DNS. */
class AddressGuardTest {
    private static final Map<String, String> DNS = Map.of(
            "registry.example", "203.0.113.10",
            "storage.example", "198.51.100.7",
            "metadata.example", "169.254.169.254",
            "local.example", "127.0.0.1",
            "mapped.example", "::ffff:169.254.169.254",
            "zero.example", "0.0.0.0",
            "localreg.example", "127.0.0.2");

    private final AddressGuard guard = new AddressGuard(
            AddressGuard.DEFAULT_BLOCKED_NETWORKS.stream().map(Cidr::parse).toList(), AddressGuardTest::resolve);

    private static InetAddress[] resolve(String host) throws UnknownHostException {
        String address = DNS.getOrDefault(host, host.matches("[0-9.:a-f]+") ? host : null);
        if (address == null) {
            throw new UnknownHostException(host);
        }
        return new InetAddress[] {InetAddress.getByName(address)};
    }

    @Test
    void cidrsContainWhatTheirPrefixCovers() throws Exception {
        Cidr linkLocal = Cidr.parse("169.254.0.0/16");
        assertThat(linkLocal.contains(InetAddress.getByName("169.254.169.254"))).isTrue();
        assertThat(linkLocal.contains(InetAddress.getByName("169.255.0.1"))).isFalse();
        assertThat(linkLocal.contains(InetAddress.getByName("fe80::1"))).isFalse();
        assertThat(Cidr.parse("fe80::/10").contains(InetAddress.getByName("febf::1")))
                .isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(InetAddress.getByName("fec0::1")))
                .isFalse();
        assertThat(Cidr.parse("10.1.2.3").contains(InetAddress.getByName("10.1.2.3")))
                .isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8")))
                .isTrue();
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("between 0 and 32");
        assertThatThrownBy(() -> Cidr.parse("example.com/8")).hasMessageContaining("IP address");
    }

    @Test
    void aRegistryMayBeAnywhereButOnABlockedNetwork() throws Exception {
        guard.checkRegistry("registry.example");
        guard.checkRegistry("127.0.0.1");
        assertThatThrownBy(() -> guard.checkRegistry("metadata.example"))
                .isInstanceOf(TransportException.class)
                .hasMessage("registry host metadata.example is on a blocked network (169.254.0.0/16)");
        assertThatThrownBy(() -> guard.checkRegistry("mapped.example"))
                .as("an IPv4-mapped IPv6 address is the IPv4 address")
                .hasMessageContaining("blocked network");
        assertThatThrownBy(() -> guard.checkRegistry("fd00:ec2::254")).hasMessageContaining("fd00:ec2::254/128");
        assertThatThrownBy(() -> guard.checkRegistry("nowhere.example"))
                .isInstanceOf(TransportException.class)
                .hasMessage("cannot resolve host nowhere.example");
    }

    @Test
    void aHostARegistryNamesMayBeLocalOnlyWhenTheRegistryIsLocalToo() throws Exception {
        guard.checkNamedBy("storage.example", "registry.example", "a redirect");
        guard.checkNamedBy("localreg.example", "local.example", "the token realm");
        assertThatThrownBy(() -> guard.checkNamedBy("local.example", "registry.example", "a redirect"))
                .hasMessage("a redirect of registry registry.example points to local.example, on a loopback address,"
                        + " which is refused unless the registry itself is on one");
        assertThatThrownBy(() -> guard.checkNamedBy("zero.example", "registry.example", "the token realm"))
                .as("0.0.0.0 reaches the local host too")
                .hasMessageContaining("on a loopback address");
        assertThatThrownBy(() -> guard.checkNamedBy("metadata.example", "local.example", "the token realm"))
                .hasMessageContaining("blocked network");
    }

    @Test
    void withNoBlockedNetworksLinkLocalIsStillRefusedAsANamedHost() throws Exception {
        AddressGuard open = new AddressGuard(List.of(), AddressGuardTest::resolve);

        open.checkRegistry("metadata.example");
        assertThatThrownBy(() -> open.checkNamedBy("metadata.example", "registry.example", "a redirect"))
                .hasMessageContaining("on a link-local address");
    }
}
