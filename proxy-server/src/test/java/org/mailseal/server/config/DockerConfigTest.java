package org.mailseal.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * The docker/ folder without Docker (none runs where the tests run): mailseal's configuration there loads as
 * {@code mailseal run} would load it, the compose file, the Dockerfile and the Postfix and Dovecot configurations
 * agree with it, and Postfix's and Dovecot's own tools parse their files without a warning. Needs postfix and
 * dovecot installed (.ci/run installs them); it does not skip without them.
 */
class DockerConfigTest {
    static final Path DOCKER = Path.of("../docker").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    MailsealConfig config;

    @BeforeEach
    void loadTheDockerConfiguration() throws Exception {
        // The container's paths, moved under this test's directory; nothing else in the file is changed.
        Path tls = Files.createDirectories(dir.resolve("etc/mailseal/tls"));
        SmimeKeys.KeyAndCertificate key = SmimeKeys.generate("mail@example.org", new java.util.Date(), Duration.ofDays(1));
        Files.writeString(tls.resolve("cert.pem"), SmimeKeys.pem(key.certificate()));
        Files.writeString(tls.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.privateKey().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String yaml = Files.readString(DOCKER.resolve("mailseal.yaml"));
        assertThat(yaml).contains("/etc/mailseal/tls/cert.pem", "/var/lib/mailseal/keys");
        Path file = dir.resolve("etc/mailseal/mailseal.yaml");
        Files.writeString(file, yaml.replace("/etc/mailseal/", dir.resolve("etc/mailseal") + "/")
                .replace("/var/lib/mailseal/keys", dir.resolve("keys").toString()));
        config = ConfigLoader.load(file);
    }

    @Test
    void mailsealsConfigurationIsValidWithItsListenersAdminAndLimits() {
        assertThat(config.keyHome()).isEqualTo(dir.resolve("keys"));
        assertThat(config.listeners()).hasSize(2);
        ListenerConfig submission = config.listeners().get(0);
        assertThat(submission.role()).isEqualTo(SmtpSessionConfig.Role.SUBMISSION);
        assertThat(submission.host() + ":" + submission.port()).isEqualTo("0.0.0.0:587");
        assertThat(submission.tls()).isNotNull();
        assertThat(submission.authWithoutTls()).isFalse();
        assertThat(submission.upstream().host()).isEqualTo("postfix");
        assertThat(submission.upstream().port()).isEqualTo(587);
        assertThat(submission.upstream().tls()).isEqualTo(UpstreamConfig.TlsMode.STARTTLS);
        assertThat(submission.upstream().allowPlaintextAuth()).isFalse();
        ListenerConfig lmtp = config.listeners().get(1);
        assertThat(lmtp.role()).isEqualTo(SmtpSessionConfig.Role.INBOUND_LMTP);
        assertThat(lmtp.port()).isEqualTo(10024);
        assertThat(lmtp.localDomains()).containsExactly("example.org");
        assertThat(lmtp.upstream().host() + ":" + lmtp.upstream().port()).isEqualTo("dovecot:24");
        assertThat(lmtp.upstream().lmtp()).isTrue();

        assertThat(config.imapListeners()).hasSize(1);
        ImapListenerConfig imap = config.imapListeners().get(0);
        assertThat(imap.host() + ":" + imap.port()).isEqualTo("0.0.0.0:143");
        assertThat(imap.tls()).isNotNull();
        assertThat(imap.loginWithoutTls()).isFalse();
        assertThat(imap.upstream().host() + ":" + imap.upstream().port()).isEqualTo("dovecot:143");
        assertThat(imap.upstream().tls()).isEqualTo(ImapUpstreamConfig.TlsMode.STARTTLS);
        assertThat(imap.options().idleTimeout()).isEqualTo(Duration.ofMinutes(30));

        assertThat(config.pop3Listeners()).hasSize(1);
        Pop3ListenerConfig pop3 = config.pop3Listeners().get(0);
        assertThat(pop3.host() + ":" + pop3.port()).isEqualTo("0.0.0.0:110");
        assertThat(pop3.tls()).isNotNull();
        assertThat(pop3.loginWithoutTls()).isFalse();
        assertThat(pop3.upstream().host() + ":" + pop3.upstream().port()).isEqualTo("dovecot:110");
        assertThat(pop3.upstream().tls()).isEqualTo(Pop3UpstreamConfig.TlsMode.STLS);

        assertThat(config.admin()).isNotNull();
        assertThat(config.admin().host() + ":" + config.admin().port()).isEqualTo("0.0.0.0:9465");
        assertThat(config.connectionLimits().perAddress()).isEqualTo(50);
        assertThat(config.connectionLimits().auth().attempts()).isEqualTo(10);
        assertThat(config.connectionLimits().auth().maxDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.maxMessageBytes()).isEqualTo(25L << 20);
        assertThat(config.gateway()).isNull();
    }

    @Test
    void composeFileAndDockerfileAgreeWithTheConfiguration() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(DOCKER.resolve("compose.yaml").toFile());
        JsonNode mailseal = compose.path("services").path("mailseal");
        assertThat(mailseal.path("build").path("dockerfile").asText()).isEqualTo("docker/Dockerfile");
        List<String> volumes = texts(mailseal.path("volumes"));
        assertThat(volumes).contains("keys:/var/lib/mailseal/keys", "./mailseal.yaml:/etc/mailseal/mailseal.yaml:ro",
                "tls:/etc/mailseal/tls:ro");
        // Published: the three client ports, and the admin port on the host's loopback only; never the LMTP one.
        List<String> ports = texts(mailseal.path("ports"));
        assertThat(ports).containsExactlyInAnyOrder("587:587", "143:143", "110:110", "127.0.0.1:9465:9465");
        Set<Integer> listening = new TreeSet<>();
        config.listeners().forEach(l -> listening.add(l.port()));
        config.imapListeners().forEach(l -> listening.add(l.port()));
        config.pop3Listeners().forEach(l -> listening.add(l.port()));
        assertThat(listening).containsExactly(110, 143, 587, 10024);
        assertThat(compose.path("services").path("postfix").has("ports")).isFalse();
        assertThat(compose.path("services").path("dovecot").has("ports")).isFalse();
        // docker stop must wait out the 30-second drain.
        assertThat(mailseal.path("stop_grace_period").asText()).isEqualTo("40s");

        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        assertThat(dockerfile).contains("ENV MAILSEAL_HOME=/var/lib/mailseal/keys",
                "VOLUME [\"/var/lib/mailseal/keys\", \"/etc/mailseal\"]",
                "EXPOSE 587 143 110 10024 9465",
                "USER 10001:10001",
                "http://127.0.0.1:" + config.admin().port() + "/health",
                "CMD [\"run\", \"--config\", \"/etc/mailseal/mailseal.yaml\"]",
                "install -y --no-install-recommends curl");
        // No secret baked in: no ENV or ARG that looks like one, and no passphrase or TLS key copied into the image.
        assertThat(dockerfile.lines().filter(line -> line.matches("(?i)^\\s*(ENV|ARG)\\s+\\w*(PASS|SECRET|PIN|TOKEN|PRIVATE)\\w*[= ].*")))
                .isEmpty();
        assertThat(dockerfile.lines().filter(line -> line.matches("(?i)^\\s*(COPY|ADD)\\s.*")))
                .allMatch(line -> line.contains("pom.xml") || line.contains("/src ") || line.contains("mailseal.jar"));
    }

    @Test
    void postfixParsesItsConfigurationWithoutWarningsAndDeliversToMailsealsLmtpListener() throws Exception {
        Path postfix = DOCKER.resolve("postfix");
        String postconf = tool("postconf");
        Result parameters = run(postconf, "-c", postfix.toString(), "-n");
        assertThat(parameters.errors()).as("postconf -n").isEmpty();
        assertThat(parameters.exit()).isZero();
        Result services = run(postconf, "-c", postfix.toString(), "-M");
        assertThat(services.errors()).as("postconf -M").isEmpty();
        assertThat(services.exit()).isZero();
        assertThat(services.output()).contains("587        inet", "25         inet");
        Result values = run(postconf, "-c", postfix.toString(), "-h", "virtual_transport", "smtpd_sasl_path",
                "smtpd_tls_cert_file", "smtpd_tls_key_file");
        assertThat(values.errors()).isEmpty();
        assertThat(values.output().lines().toList()).containsExactly("lmtp:inet:mailseal:" + config.listeners().get(1).port(),
                "inet:dovecot:12345", "/etc/postfix/tls/cert.pem", "/etc/postfix/tls/key.pem");
        // mailseal relays submission to 587, where Postfix offers AUTH only after STARTTLS.
        Result submission = run(postconf, "-c", postfix.toString(), "-P");
        assertThat(submission.output()).contains("587/inet/smtpd_sasl_auth_enable = yes",
                "587/inet/smtpd_tls_security_level = encrypt");
        assertThat(run(postconf, "-a").output().lines()).contains("dovecot");
    }

    @Test
    void dovecotParsesItsConfigurationWithoutWarningsAndServesWhatMailsealAsksFor() throws Exception {
        String doveconf = tool("doveconf");
        Path file = DOCKER.resolve("dovecot/dovecot.conf");
        Result all = run(doveconf, "-c", file.toString(), "-n");
        assertThat(all.errors()).as("doveconf -n").isEmpty();
        assertThat(all.exit()).isZero();
        assertThat(all.output()).contains("port = 143", "port = 110", "port = 24", "port = 12345");
        // The values themselves, defaults included (-n leaves those out).
        Result values = run(doveconf, "-c", file.toString(), "-h", "protocols", "ssl", "disable_plaintext_auth");
        assertThat(values.errors()).isEmpty();
        assertThat(values.output().lines().toList()).containsExactly("imap pop3 lmtp", "required", "yes");
        assertThat(Files.readString(DOCKER.resolve("dovecot/users")))
                .contains("alice@example.org:", "bob@example.org:");
    }

    private static List<String> texts(JsonNode list) {
        List<String> texts = new ArrayList<>();
        list.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    /** A tool of Postfix or Dovecot, found on PATH or in the sbin directories that PATH may lack. */
    private static String tool(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst().map(Path::toString)
                .orElseThrow(() -> new AssertionError(name + " is not installed (apt-get install postfix dovecot-imapd"
                        + " dovecot-pop3d dovecot-lmtpd; .ci/run does it)"));
    }

    private record Result(int exit, String output, String errors) {}

    private Result run(String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
