package org.mailseal.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.server.policy.Policy;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @BeforeEach
    void tlsFiles() throws Exception {
        // A throwaway certificate and key for the listener's TLS, in this test's own directory.
        SmimeKeys.KeyAndCertificate key = SmimeKeys.generate("mail@example.org", new java.util.Date(), java.time.Duration.ofDays(1));
        Files.writeString(dir.resolve("cert.pem"), SmimeKeys.pem(key.certificate()));
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.privateKey().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private MailsealConfig load(String yaml) throws Exception {
        Path file = dir.resolve("mailseal.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    @Test
    void theExampleInTheRepositoryIsValidOnceItsFilesExist() throws Exception {
        String example = Files.readString(Path.of("mailseal.example.yaml"))
                .replace("/etc/mailseal/tls/fullchain.pem", "cert.pem")
                .replace("/etc/mailseal/tls/privkey.pem", "key.pem")
                .replace("/etc/ssl/certs/ca-certificates.crt", "cert.pem")
                .replace("/var/lib/mailseal/keys", "keys")
                .replace("/etc/mailseal/gateway.pw", "gateway.pw");
        Files.writeString(dir.resolve("gateway.pw"), "gateway secret\n");
        MailsealConfig config = load(example);
        assertThat(config.listeners()).hasSize(2);
        ListenerConfig submission = config.listeners().get(0);
        assertThat(submission.role()).isEqualTo(SmtpSessionConfig.Role.SUBMISSION);
        assertThat(submission.tls()).isNotNull();
        assertThat(submission.port()).isEqualTo(587);
        assertThat(submission.upstream().tls()).isEqualTo(UpstreamConfig.TlsMode.STARTTLS);
        ListenerConfig lmtp = config.listeners().get(1);
        assertThat(lmtp.role()).isEqualTo(SmtpSessionConfig.Role.INBOUND_LMTP);
        assertThat(lmtp.upstream().lmtp()).isTrue();
        assertThat(lmtp.localDomains()).containsExactly("example.org");
        assertThat(config.policy().ruleFor("bob@example.org")).isEqualTo(new Policy.Rule(Policy.Mode.REQUIRE, Format.PGP_MIME));
        assertThat(config.policy().ruleFor("x@partner.example")).isEqualTo(new Policy.Rule(Policy.Mode.OPPORTUNISTIC, Format.SMIME));
        assertThat(config.policy().ruleFor("newsletter@example.org").mode()).isEqualTo(Policy.Mode.NEVER);
        assertThat(config.policy().ruleFor("someone@elsewhere.example").mode()).isEqualTo(Policy.Mode.OPPORTUNISTIC);
        assertThat(config.keyHome()).isEqualTo(dir.resolve("keys"));
        assertThat(config.encryption().placeholderSubject()).isEqualTo("...");
        assertThat(config.gateway().address()).isEqualTo("gateway@example.org");
        assertThat(new String(config.gateway().passphrase())).isEqualTo("gateway secret");
        assertThat(config.policy().keyAddressFor("anyone@partner.example")).isEqualTo("gateway@partner.example");
        assertThat(config.policy().keyAddressFor("bob@example.org")).isEqualTo("bob@example.org");
        assertThat(config.imapListeners()).hasSize(1);
        ImapListenerConfig imap = config.imapListeners().get(0);
        assertThat(imap.port()).isEqualTo(143);
        assertThat(imap.tls()).isNotNull();
        assertThat(imap.loginWithoutTls()).isFalse();
        assertThat(imap.upstream().tls()).isEqualTo(ImapUpstreamConfig.TlsMode.STARTTLS);
        assertThat(imap.upstream().port()).isEqualTo(10143);
        assertThat(imap.upstream().allowPlaintextLogin()).isFalse();
        assertThat(imap.plaintextAppends()).isEmpty();
        assertThat(imap.loginDomain()).isEqualTo("example.org");
        assertThat(config.pop3Listeners()).hasSize(1);
        Pop3ListenerConfig pop3 = config.pop3Listeners().get(0);
        assertThat(pop3.port()).isEqualTo(110);
        assertThat(pop3.tls()).isNotNull();
        assertThat(pop3.implicitTls()).isFalse();
        assertThat(pop3.loginWithoutTls()).isFalse();
        assertThat(pop3.upstream().tls()).isEqualTo(Pop3UpstreamConfig.TlsMode.STLS);
        assertThat(pop3.upstream().port()).isEqualTo(10110);
        assertThat(pop3.upstream().allowPlaintextLogin()).isFalse();
        assertThat(pop3.loginDomain()).isEqualTo("example.org");
        assertThat(config.admin()).isEqualTo(new AdminConfig("127.0.0.1", 9465));
    }

    @Test
    void connectionOptionsAndLimitsAreReadAndCheckedWithTheirPlace() throws Exception {
        MailsealConfig config = load("""
                limits:
                  connectionsPerAddress: 7
                  proxyHeaderTimeout: 3s
                  auth: { attempts: 4, window: 2m, delay: 250ms, maxDelay: 8s }
                listeners:
                  - role: submission
                    listen: 127.0.0.1:587
                    proxyProtocol: true
                    proxyProtocolFrom: [10.0.0.2, "2001:db8::/32"]
                    idleTimeout: 90s
                    upstream: { host: 127.0.0.1, port: 10587, proxyProtocol: v2 }
                """);
        assertThat(config.connectionLimits().perAddress()).isEqualTo(7);
        assertThat(config.connectionLimits().proxyHeaderTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.connectionLimits().auth()).isEqualTo(new org.mailseal.server.net.AuthThrottle.Settings(4,
                Duration.ofMinutes(2), Duration.ofMillis(250), Duration.ofSeconds(8)));
        ListenerConfig listener = config.listeners().get(0);
        assertThat(listener.options().proxyProtocol()).isTrue();
        assertThat(listener.options().proxyFrom()).hasSize(2);
        assertThat(listener.options().idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(org.mailseal.server.net.ProxyHeaderSender.versionOf(listener.upstream().onConnect()))
                .isEqualTo(io.netty.handler.codec.haproxy.HAProxyProtocolVersion.V2);

        assertThatThrownBy(() -> load("""
                limits:
                  connectionsPerAddress: 0
                  auth: { attempts: 3, delay: 10s, maxDelay: 1s, tries: 2 }
                listeners:
                  - role: submission
                    listen: 127.0.0.1:587
                    proxyProtocolFrom: [balancer.example]
                    idleTimeout: 1s
                    upstream: { host: 127.0.0.1, port: 10587, proxyProtocol: v3 }
                """))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "limits.connectionsPerAddress: 0 is out of range (1 to 100000)",
                        "limits.auth.tries: unknown key (expected one of attempts, window, delay, maxDelay)",
                        "limits.auth.delay: 10000ms is longer than maxDelay (1000ms)",
                        "listeners[0].proxyProtocolFrom: 'balancer.example' is not an address or a block like 10.0.0.0/8",
                        "listeners[0].idleTimeout: 1s is out of range (10s to 2h)",
                        "listeners[0].upstream.proxyProtocol: 'v3' is not one of none, v1, v2"));
    }

    @Test
    void withoutAnAdminSectionThereIsNoAdminEndpoint() throws Exception {
        assertThat(load(LISTENER).admin()).isNull();
    }

    @Test
    void theAdminSectionTakesOnlyAListenAddress() {
        assertThatThrownBy(() -> load(LISTENER + """
                admin: { listen: 9465, port: 1 }
                """))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "admin.port: unknown key (expected one of listen)",
                        "admin.listen: expected host:port, got '9465'"));
    }

    @Test
    void aPop3ListenerTakesNoLmtpNoLocalDomainsAndNoAppendPlaintext() throws Exception {
        assertThatThrownBy(() -> load("""
                listeners:
                  - role: pop3
                    listen: 127.0.0.1:110
                    localDomains: [example.org]
                    appendPlaintext: [Drafts]
                    upstream: {host: 127.0.0.1, port: 10110, lmtp: true}
                """)).hasMessageContaining("listeners[0].localDomains: unknown key")
                .hasMessageContaining("listeners[0].appendPlaintext: unknown key")
                .hasMessageContaining("listeners[0].upstream.lmtp: a POP3 listener's upstream is a POP3 server");
    }

    @Test
    void anImapListenerTakesNoLmtpAndNoLocalDomains() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                listeners:
                  - role: imap
                    listen: 127.0.0.1:143
                    localDomains: [example.org]
                    upstream: {host: 127.0.0.1, port: 10143, lmtp: true}
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file)).hasMessageContaining("listeners[0].localDomains: unknown key")
                .hasMessageContaining("listeners[0].upstream.lmtp: an IMAP listener's upstream is an IMAP server");
    }

    @Test
    void everyProblemIsReportedWithItsPlace() {
        assertThatThrownBy(() -> load("""
                polcy: {}
                limits: { maxRecipients: 0 }
                listeners:
                  - role: inbound
                    listen: 127.0.0.1:99999
                    tls: { certificate: missing.pem, key: key.pem }
                    upstream: { host: 127.0.0.1, port: 25, tls: sometimes }
                  - role: relay
                    listen: nowhere
                """))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "polcy: unknown key (expected one of keys, policy, headerProtection, limits, listeners, sync, admin)",
                        "limits.maxRecipients: 0 is out of range (1 to 10000)",
                        "listeners[0].listen: port 99999 is out of range (1 to 65535)",
                        "listeners[0].tls.certificate: file " + dir.resolve("missing.pem") + " does not exist or cannot be read",
                        "listeners[0].localDomains: an inbound listener needs the domains it accepts mail for (no open relay)",
                        "listeners[0].upstream.tls: 'sometimes' is not one of none, starttls, implicit",
                        "listeners[1].role: 'relay' is not one of submission, inbound, lmtp, imap, pop3",
                        "listeners[1].listen: expected host:port, got 'nowhere'",
                        "listeners[1].upstream: missing (host and port of the real mail server)"));
    }

    private static final String LISTENER = """
            listeners:
              - role: submission
                listen: 127.0.0.1:587
                upstream: { host: 127.0.0.1, port: 10587 }
            """;

    @Test
    void aGatewayKeyInATokenNamesLibrarySlotLabelAndWhereThePinIs() throws Exception {
        Files.writeString(dir.resolve("libtoken.so"), "");
        Files.writeString(dir.resolve("token.pin"), "5678\n");
        MailsealConfig config = load("""
                keys:
                  gateway:
                    address: gateway@example.org
                    pkcs11: { library: libtoken.so, slot: "0x72ac8e15", keyLabel: gateway, pinFile: token.pin }
                """ + LISTENER);
        assertThat(config.gateway().passphrase()).isNull();
        assertThat(config.gateway().token()).isEqualTo(new MailsealConfig.TokenKey(dir.resolve("libtoken.so"),
                0x72ac8e15L, null, "gateway", new MailsealConfig.PinSource.File(dir.resolve("token.pin"))));
        assertThat(load("""
                keys:
                  gateway:
                    address: gateway@example.org
                    pkcs11: { library: libtoken.so, slotIndex: 0, keyLabel: gateway, pinPrompt: true }
                """ + LISTENER).gateway().token().pin()).isEqualTo(new MailsealConfig.PinSource.Prompt());
    }

    @Test
    void tokenProblemsAreReportedWithTheirPlace() {
        String unset = "MAILSEAL_TEST_UNSET_" + Long.toHexString(System.nanoTime());
        assertThatThrownBy(() -> load("""
                keys:
                  gateway:
                    address: gateway@example.org
                    pkcs11: { library: /nonexistent/libtoken.so, keyLabel: "", pinFile: token.pin, pinEnv: PIN, pin: 1234 }
                """ + LISTENER))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "keys.gateway.pkcs11.pin: unknown key (expected one of library, slot, slotIndex, keyLabel, "
                                + "pinFile, pinEnv, pinPrompt)",
                        "keys.gateway.pkcs11.library: file /nonexistent/libtoken.so does not exist or cannot be read",
                        "keys.gateway.pkcs11: needs exactly one of slot (the slot ID) and slotIndex (the position in the slot list)",
                        "keys.gateway.pkcs11.keyLabel: empty",
                        "keys.gateway.pkcs11: needs exactly one of pinFile, pinEnv and pinPrompt (found 2)"));
        assertThatThrownBy(() -> load("""
                keys:
                  gateway:
                    address: gateway@example.org
                    pkcs11: { library: /nonexistent/libtoken.so, slot: twelve, slotIndex: 1, keyLabel: k, pinEnv: %s }
                """.formatted(unset) + LISTENER))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "keys.gateway.pkcs11: needs exactly one of slot (the slot ID) and slotIndex (the position in the slot list)",
                        "keys.gateway.pkcs11.pinEnv: the environment variable " + unset + " is not set"));
        assertThatThrownBy(() -> load("""
                keys:
                  gateway:
                    address: gateway@example.org
                    pkcs11: { library: /nonexistent/libtoken.so, slot: twelve, keyLabel: k }
                """ + LISTENER))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "keys.gateway.pkcs11.slot: expected a slot ID (a whole number, or hexadecimal like 0x72ac8e15)",
                        "keys.gateway.pkcs11: needs exactly one of pinFile, pinEnv and pinPrompt (found 0)"));
        assertThatThrownBy(() -> load("keys:\n  gateway:\n    address: gateway@example.org\n" + LISTENER))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keys.gateway: needs passwordFile (a key in the key home), pkcs11 (a key in a token) or both");
    }

    @Test
    void notYamlAtAllIsOneClearProblem() {
        assertThatThrownBy(() -> load("listeners: [\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> load("")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners: at least one listener is needed");
    }

}
