package org.mailseal.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.config.KeySourcesConfig;
import org.mailseal.server.keys.KeySourceChain;
import org.mailseal.server.keys.LdapKeyDirectory;
import org.mailseal.server.run.ProxyServer;
import org.mailseal.server.testing.SmtpTalk;

/**
 * Keys from a real OpenLDAP (slapd, started here on a free loopback port): mail through mailseal to a recipient
 * known only to the directory arrives encrypted; with slapd stopped, an opportunistic recipient still gets the mail
 * (plaintext) and a required one is told to retry (451).
 */
class LdapIT {
    private static final Path SLAPD = Path.of("/usr/sbin/slapd");
    private static final String SUFFIX = "dc=example,dc=org";
    private static final String PEOPLE = "ou=people," + SUFFIX;
    private static final String ROOT_DN = "cn=admin," + SUFFIX;
    private static final String ROOT_PW = "slapd-test-secret";
    private static OpenPGPKey bob;
    private static SmimeKeys.KeyAndCertificate carol;

    @TempDir
    Path dir;
    private Process slapd;
    private int ldapPort;
    private final GreenMail mta = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
    private ProxyServer mailseal;

    @BeforeAll
    static void keys() throws Exception {
        bob = PgpKeys.generate("bob@example.org", KeyAlgorithm.CV25519, "bob-pw".toCharArray(), new Date(), false);
        carol = SmimeKeys.generate("carol@example.org", new Date(), Duration.ofDays(30));
    }

    @BeforeEach
    void startSlapdAndMta() throws Exception {
        assumeTrue(Files.isExecutable(SLAPD), "slapd is not installed (Debian: apt-get install slapd)");
        Path schema = dir.resolve("mailseal-test.schema");
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("/ldap/mailseal-test.schema"))) {
            Files.copy(in, schema);
        }
        Files.createDirectories(dir.resolve("data"));
        Path conf = dir.resolve("slapd.conf");
        Files.writeString(conf, """
                include /etc/ldap/schema/core.schema
                include /etc/ldap/schema/cosine.schema
                include /etc/ldap/schema/inetorgperson.schema
                include %s
                modulepath /usr/lib/ldap
                moduleload back_mdb
                pidfile %s
                database mdb
                maxsize 10485760
                suffix "%s"
                rootdn "%s"
                rootpw %s
                directory %s
                """.formatted(schema, dir.resolve("slapd.pid"), SUFFIX, ROOT_DN, ROOT_PW, dir.resolve("data")));
        ldapPort = SmtpTalk.freePort();
        slapd = new ProcessBuilder(SLAPD.toString(), "-f", conf.toString(), "-h", "ldap://127.0.0.1:" + ldapPort + "/",
                "-d", "0").redirectErrorStream(true).redirectOutput(dir.resolve("slapd.log").toFile()).start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> {
                    try (LDAPConnection c = new LDAPConnection("127.0.0.1", ldapPort, ROOT_DN, ROOT_PW)) {
                        return true;
                    }
                });
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", ldapPort, ROOT_DN, ROOT_PW)) {
            c.add(new Entry(SUFFIX, new Attribute("objectClass", "dcObject", "organization"),
                    new Attribute("dc", "example"), new Attribute("o", "Example")));
            c.add(new Entry(PEOPLE, new Attribute("objectClass", "organizationalUnit"), new Attribute("ou", "people")));
            c.add(person("bob", new Attribute("pgpKey", PgpKeys.armoredCertificate(bob))));
            c.add(person("carol", new Attribute("userCertificate;binary", carol.certificate().getEncoded())));
            c.add(person("dave", new Attribute("description", "no key")));
        }
        mta.start();
    }

    private static Entry person(String uid, Attribute... more) {
        Entry entry = new Entry("uid=" + uid + "," + PEOPLE,
                new Attribute("objectClass", "inetOrgPerson", "mailsealPgpKeyHolder"), new Attribute("uid", uid),
                new Attribute("cn", uid), new Attribute("sn", uid), new Attribute("mail", uid + "@example.org"));
        for (Attribute attribute : more) {
            entry.addAttribute(attribute);
        }
        return entry;
    }

    @AfterEach
    void stop() throws Exception {
        if (mailseal != null) {
            mailseal.close();
        }
        stopSlapd();
        mta.stop();
    }

    private void stopSlapd() throws InterruptedException {
        if (slapd != null && slapd.isAlive()) {
            slapd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path config() throws Exception {
        Files.writeString(dir.resolve("ldap.pw"), ROOT_PW + "\n");
        Path file = dir.resolve("mailseal.yaml");
        Files.writeString(file, """
                keys:
                  home: keys
                  cache: { expiry: 10m, staleFor: 24h, timeout: 2s }
                  sources:
                    - type: home
                    - type: ldap
                      url: ldap://127.0.0.1:%d
                      bindDn: %s
                      bindPasswordFile: ldap.pw
                      allowPlaintextBind: true
                      baseDn: %s
                      filter: "(&(objectClass=inetOrgPerson)(mail={0}))"
                policy:
                  default: opportunistic
                  domains:
                    secure.example: require
                listeners:
                  - role: inbound
                    listen: 127.0.0.1:%d
                    hostname: mx.example.org
                    localDomains: [example.org, secure.example]
                    upstream: { host: 127.0.0.1, port: %d }
                """.formatted(ldapPort, ROOT_DN, PEOPLE, SmtpTalk.freePort(), mta.getSmtp().getPort()));
        return file;
    }

    @Test
    void directoryKeysEncryptAndADownDirectoryHoldsUpOnlyRequiredRecipients() throws Exception {
        mailseal = ProxyServer.start(ConfigLoader.load(config()));
        int port = mailseal.addresses().get(0).getPort();

        List<String> replies = send(port, "bob@example.org");
        assertThat(replies).last().asString().startsWith("250 ");
        MimeMessage toBob = received("bob@example.org");
        assertThat(toBob.getContentType()).startsWith("multipart/encrypted");
        try (UnlockedKey key = PgpKeys.unlock(bob, "bob-pw".toCharArray());
             DecryptionResult result = new MessageDecryptor().decrypt(new ByteArrayInputStream(SmtpTalk.raw(toBob)), List.of(key))) {
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            result.message().writeTo(plain);
            assertThat(plain.toString(StandardCharsets.UTF_8)).contains("hello bob@example.org");
        }
        assertThat(send(port, "bob@example.org")).last().asString().startsWith("250 ");
        KeySourceChain.SourceStats ldap = mailseal.keySources().stats().get(1);
        assertThat(ldap.source()).isEqualTo("ldap ldap://127.0.0.1:" + ldapPort);
        assertThat(ldap.cache().missCount()).isEqualTo(1);
        assertThat(ldap.cache().hitCount()).isEqualTo(1); // the second message to bob did not ask slapd
        assertThat(mailseal.keySources().health()).allMatch(KeySourceChain.SourceHealth::up);

        stopSlapd();
        assertThat(mailseal.keySources().health().get(1).up()).isFalse();
        replies = send(port, "dave@example.org"); // opportunistic, never looked up: mail flows, as plaintext
        assertThat(replies).last().asString().startsWith("250 ");
        MimeMessage toDave = received("dave@example.org");
        assertThat(new String(SmtpTalk.raw(toDave), StandardCharsets.UTF_8)).contains("hello dave@example.org");
        replies = send(port, "erin@secure.example"); // require: try again later, not a bounce
        assertThat(replies).last().asString().startsWith("451 4.7.1 Key directory unavailable");
        replies = send(port, "bob@example.org"); // bob's key is still in the cache
        assertThat(replies).last().asString().startsWith("250 ");
    }

    @Test
    void slapdAnswersOnlyForTheEscapedAddress() throws Exception {
        KeySourcesConfig.Source.Ldap source = (KeySourcesConfig.Source.Ldap) ConfigLoader.load(config()).keySources()
                .sources().get(1);
        try (LdapKeyDirectory directory = LdapKeyDirectory.open(source.settings(), Clock.systemUTC())) {
            assertThat(directory.encryptionKeys("bob@example.org")).singleElement()
                    .satisfies(k -> assertThat(k.format()).isEqualTo(Format.PGP_MIME));
            assertThat(directory.encryptionKeys("CAROL@example.org")).singleElement()
                    .satisfies(k -> assertThat(k.format()).isEqualTo(Format.SMIME));
            assertThat(directory.encryptionKeys("dave@example.org")).isEmpty();
            assertThat(directory.encryptionKeys("*@example.org")).isEmpty();
            assertThat(directory.encryptionKeys("*)(uid=*))(|(uid=*")).isEmpty();
        }
    }

    /** One SMTP transaction to one recipient; the replies to MAIL, RCPT and (when accepted) to the data. */
    private static List<String> send(int port, String recipient) throws Exception {
        return SmtpTalk.send(port, null, "alice@elsewhere.example", recipient, "From: alice@elsewhere.example\r\nTo: "
                + recipient + "\r\nSubject: test\r\n\r\nhello " + recipient + "\r\n");
    }

    private MimeMessage received(String recipient) {
        return SmtpTalk.received(mta, recipient, 1).get(0);
    }
}
