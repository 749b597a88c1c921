package org.mailseal.server.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;

/**
 * The LDAP key source over TLS, against UnboundID's in-memory directory serving LDAPS and StartTLS with a certificate
 * made for the test: the trusted certificate (a PEM file, as configured) lets the lookup through, host name
 * included; another certificate makes it a failure, never a silent "no key".
 */
class LdapTlsTest {
    static OpenPGPCertificate bob;
    static LoopbackTls tls;
    static LoopbackTls stranger;
    static LoopbackTls elsewhere;
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void keys() throws Exception {
        bob = PgpKeys.generate("bob@example.org", KeyAlgorithm.CV25519, "pw".toCharArray(), new Date(), false)
                .toCertificate();
        tls = new LoopbackTls("localhost");
        stranger = new LoopbackTls("localhost");
        elsewhere = new LoopbackTls("ldap.example.org");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void ldapsWithTheTrustedCertificateFindsTheKey() throws Exception {
        int port = directory(InMemoryListenerConfig.createLDAPSConfig("ldaps", InetAddress.getLoopbackAddress(), 0,
                tls.server.getServerSocketFactory(), null));
        LdapKeyDirectory directory = open("ldaps://localhost:" + port, false, pem(tls.certificate));
        assertThat(directory.encryptionKeys("bob@example.org")).singleElement()
                .satisfies(key -> assertThat(key.format()).isEqualTo(Format.PGP_MIME));
    }

    @Test
    void startTlsWithTheTrustedCertificateFindsTheKey() throws Exception {
        int port = directory(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0,
                tls.server.getSocketFactory()));
        LdapKeyDirectory directory = open("ldap://localhost:" + port, true, pem(tls.certificate));
        assertThat(directory.encryptionKeys("bob@example.org")).hasSize(1);
    }

    @Test
    void aCertificateThatIsNotTrustedIsAFailureNotNoKey() throws Exception {
        int port = directory(InMemoryListenerConfig.createLDAPSConfig("ldaps", InetAddress.getLoopbackAddress(), 0,
                tls.server.getServerSocketFactory(), null));
        LdapKeyDirectory directory = open("ldaps://localhost:" + port, false, pem(stranger.certificate));
        assertThatThrownBy(() -> directory.encryptionKeys("bob@example.org")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsAFailure() throws Exception {
        int port = directory(InMemoryListenerConfig.createLDAPSConfig("ldaps", InetAddress.getLoopbackAddress(), 0,
                elsewhere.server.getServerSocketFactory(), null));
        // Trusted, but made for ldap.example.org: a directory reached as localhost must not present it.
        LdapKeyDirectory directory = open("ldaps://localhost:" + port, false, pem(elsewhere.certificate));
        assertThatThrownBy(() -> directory.encryptionKeys("bob@example.org")).isInstanceOf(RuntimeException.class);
    }

    private int directory(InMemoryListenerConfig listener) throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=org");
        config.setSchema(null); // pgpKey is in no standard schema
        config.setListenerConfigs(listener);
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
        server.add(new Entry("dc=example,dc=org", new Attribute("objectClass", "top", "domain"),
                new Attribute("dc", "example")));
        server.add(new Entry("ou=people,dc=example,dc=org", new Attribute("objectClass", "top", "organizationalUnit"),
                new Attribute("ou", "people")));
        server.add(new Entry("uid=bob,ou=people,dc=example,dc=org", new Attribute("objectClass", "top", "inetOrgPerson"),
                new Attribute("uid", "bob"), new Attribute("cn", "bob"), new Attribute("sn", "bob"),
                new Attribute("mail", "bob@example.org"), new Attribute("pgpKey", PgpKeys.armoredCertificate(bob))));
        server.startListening();
        closing.add(() -> server.shutDown(true));
        return server.getListenPort();
    }

    private LdapKeyDirectory open(String url, boolean startTls, Path trust) throws Exception {
        LdapKeyDirectory directory = LdapKeyDirectory.open(new LdapSettings(List.of(url), startTls, trust, null, null,
                "ou=people,dc=example,dc=org", LdapSettings.DEFAULT_FILTER, LdapSettings.DEFAULT_PGP_ATTRIBUTES,
                LdapSettings.DEFAULT_SMIME_ATTRIBUTES, Duration.ofSeconds(5), Duration.ofSeconds(5), 2),
                Clock.systemUTC());
        closing.add(directory);
        return directory;
    }

    private Path pem(X509Certificate certificate) throws Exception {
        Path file = Files.createTempFile(dir, "ca", ".pem");
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        return file;
    }
}
