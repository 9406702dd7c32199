package dev.imagesize.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.testing.LocalRegistry;
import dev.imagesize.testing.PrivateCaRegistry;
import dev.imagesize.testing.TestCluster;
import dev.imagesize.testing.TestImages;
import dev.imagesize.testing.TestImages.Format;
import dev.imagesize.testing.TestTls;
import dev.imagesize.testing.TokenService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The registry options of {@code imagesize check}, run as a process against the real Distribution registry: token
 * authentication over plain HTTP (anonymous, and with credentials only where allowed), Docker's credential helpers
 * ({@code credHelpers}, {@code credsStore}: a small {@code docker-credential-*} script on the PATH), a registry with a
 * private CA ({@code --registry-ca}), and messages in the words of the command line.
 */
class RegistryOptionsIT {
    private static final String USER = "ci-bot";
    private static final String PASSWORD = "cl1-Pa55word";

    private static LocalRegistry content;
    private static TokenService tokens;
    private static LocalRegistry tokenRegistry;
    private static LocalRegistry privateCa;
    private static LocalRegistry tls;
    private static Path helpers;

    record Run(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    @BeforeAll
    static void registries() throws Exception {
        content = LocalRegistry.plain();
        TestImages.push(content, "public/app", "1.0", Format.OCI, 300_000);
        TestImages.push(content, "private/app", "1.0", Format.OCI, 200_000);
        tokens = TokenService.start(USER, PASSWORD);
        tokenRegistry = LocalRegistry.custom(
                new LocalRegistry.Custom(content.storage(), tokens.registryConfig(), null, null, null));
        privateCa = PrivateCaRegistry.serving(content);
        tls = LocalRegistry.sharedTls();
        helpers = Files.createTempDirectory("credential-helpers");
        // Docker's credential-helper protocol: `get`, the server on stdin, JSON on stdout; "not found" exits 1
        helper("imagesizetest", tokenRegistry.hostPort(), USER, PASSWORD);
        helper("imagesizestore", tls.hostPort(), tls.user(), tls.password());
    }

    private static void helper(String name, String server, String user, String secret) throws Exception {
        Path script = helpers.resolve("docker-credential-" + name);
        Files.writeString(
                script,
                "#!/bin/sh\n"
                        + "server=$(cat)\n"
                        + "if [ \"$1\" = get ] && [ \"$server\" = \"" + server + "\" ]; then\n"
                        + "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret
                        + "\"}' \"$server\"\n"
                        + "else\n"
                        + "  echo 'credentials not found in native keychain'; exit 1\n"
                        + "fi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void stop() {
        privateCa.close();
        tokenRegistry.close();
        tokens.close();
        content.close();
    }

    static Run imagesize(Path dockerConfig, String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(TestCluster.projectDir().resolve("bin/imagesize").toString(), "check"));
        command.addAll(List.of(args));
        if (dockerConfig != null) {
            command.addAll(List.of("--docker-config", dockerConfig.toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("IMAGESIZE_JAVA_OPTS", String.join(" ", TestTls.javaOptions()));
        builder.environment()
                .put(
                        "DOCKER_CONFIG",
                        Files.createTempDirectory("no-docker-config").toString());
        builder.environment().put("PATH", helpers + ":" + System.getenv("PATH"));
        Path out = Files.createTempFile("imagesize-out", ".txt");
        Path err = Files.createTempFile("imagesize-err", ".txt");
        Process process =
                builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS))
                .as("imagesize finished")
                .isTrue();
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Path config(String json) throws Exception {
        return Files.writeString(Files.createTempFile("docker-config", ".json"), json);
    }

    private static String image(LocalRegistry registry, String repository) {
        return registry.hostPort() + "/" + repository + ":1.0";
    }

    @Test
    void aPublicImageBehindTokenAuthIsCheckedAnonymouslyOverPlainHttp() throws Exception {
        Run run = imagesize(
                null,
                image(tokenRegistry, "public/app"),
                "--max",
                "10Mi",
                "--insecure-registry",
                tokenRegistry.hostPort());

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.stdout()).contains("WITHIN");
    }

    @Test
    void withoutCredentialsTheMessageSaysDockerLogin() throws Exception {
        Run run = imagesize(
                null,
                image(tokenRegistry, "private/app"),
                "--max",
                "10Mi",
                "--insecure-registry",
                tokenRegistry.hostPort());

        assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
        assertThat(run.all())
                .contains("docker login " + tokenRegistry.hostPort())
                .contains("--docker-config")
                .doesNotContain("pull secret");
    }

    @Test
    void credentialsOfAHelperGoOverPlainHttpOnlyWhenAllowed() throws Exception {
        Path config = config("{\"credHelpers\": {\"" + tokenRegistry.hostPort() + "\": \"imagesizetest\"}}");
        String image = image(tokenRegistry, "private/app");

        Run withheld = imagesize(config, image, "--max", "10Mi", "--insecure-registry", tokenRegistry.hostPort());
        assertThat(withheld.exitCode()).as(withheld.all()).isEqualTo(2);
        assertThat(withheld.all())
                .contains("were not sent")
                .contains("--allow-plain-http-credentials " + tokenRegistry.hostPort())
                .doesNotContain(PASSWORD);

        Run allowed = imagesize(
                config,
                image,
                "--max",
                "10Mi",
                "--insecure-registry",
                tokenRegistry.hostPort(),
                "--allow-plain-http-credentials",
                tokenRegistry.hostPort());
        assertThat(allowed.exitCode()).as(allowed.all()).isZero();
        assertThat(allowed.stderr()).contains("may be sent over plain HTTP").doesNotContain(PASSWORD);
        assertThat(tokens.requests())
                .anySatisfy(request -> assertThat(request.authorization()).isEqualTo(tokens.basicAuth()));
    }

    @Test
    void aCredentialsStoreIsAskedForATlsRegistry() throws Exception {
        TestImages.push(tls, "cli/stored", "1.0", Format.OCI, 50_000);
        Path config = config("{\"credsStore\": \"imagesizestore\"}");

        Run run = imagesize(config, image(tls, "cli/stored"), "--max", "1Mi");

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.all()).doesNotContain(tls.password());
    }

    @Test
    void allowingPlainHttpCredentialsNeedsTheRegistryListedAsInsecure() throws Exception {
        Run run = imagesize(
                null,
                image(tokenRegistry, "public/app"),
                "--max",
                "10Mi",
                "--allow-plain-http-credentials",
                tokenRegistry.hostPort());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr())
                .contains("--allow-plain-http-credentials " + tokenRegistry.hostPort())
                .contains("needs --insecure-registry " + tokenRegistry.hostPort());
    }

    @Test
    void aRegistryWithAPrivateCaIsCheckedWithRegistryCa() throws Exception {
        String image = image(privateCa, "public/app");

        Run untrusted = imagesize(null, image, "--max", "10Mi");
        assertThat(untrusted.exitCode()).as(untrusted.all()).isEqualTo(2);
        assertThat(untrusted.all()).contains("--registry-ca FILE");

        Run trusted = imagesize(
                null,
                image,
                "--max",
                "10Mi",
                "--registry-ca",
                privateCa.caCertificate().toString());
        assertThat(trusted.exitCode()).as(trusted.all()).isZero();

        Path notPem = Files.writeString(Files.createTempFile("not-a-ca", ".pem"), "hello");
        Run bad = imagesize(null, image, "--max", "10Mi", "--registry-ca", notPem.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains(notPem.toString()).contains("PEM certificates");
    }
}
