package org.mailseal.server.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.OperationType;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.smtp.EncryptingFilter;
import org.mailseal.smtp.MessageContent;
import org.mailseal.smtp.MessageFilter;
import org.mailseal.smtp.OutboundCopy;
import org.mailseal.smtp.SmtpReply;

/** Keys from UnboundID's in-memory directory: found, checked, cached, escaped; and a directory that goes away. */
class LdapKeyDirectoryTest {
    static final String BASE = "ou=people,dc=example,dc=org";
    static final String BIND_DN = "cn=mailseal,dc=example,dc=org";
    static OpenPGPCertificate bob;
    static OpenPGPCertificate frank;
    static OpenPGPCertificate mallory;
    static SmimeKeys.KeyAndCertificate carol;
    static SmimeKeys.KeyAndCertificate dave;

    private InMemoryDirectoryServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicLong nanos = new AtomicLong();

    @BeforeAll
    static void keys() throws Exception {
        Date now = new Date();
        char[] pw = "pw".toCharArray();
        bob = PgpKeys.generate("bob@example.org", KeyAlgorithm.CV25519, pw, now, false).toCertificate();
        frank = PgpKeys.generate("frank@example.org", KeyAlgorithm.CV25519, pw, now, false).toCertificate();
        mallory = PgpKeys.generate("mallory@evil.example", KeyAlgorithm.CV25519, pw, now, false).toCertificate();
        carol = SmimeKeys.generate("carol@example.org", now, Duration.ofDays(365));
        Date twoYearsAgo = Date.from(now.toInstant().minus(Duration.ofDays(730)));
        dave = SmimeKeys.generate("dave@example.org", twoYearsAgo, Duration.ofDays(365)); // expired a year ago
    }

    @BeforeEach
    void startDirectory() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=org");
        config.setSchema(null); // pgpKey is in no standard schema; slapd's test (LdapIT) brings one
        config.addAdditionalBindCredentials(BIND_DN, "directory-secret");
        config.setAuthenticationRequiredOperationTypes(EnumSet.of(OperationType.SEARCH));
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0, null));
        server = new InMemoryDirectoryServer(config);
        server.add(new Entry("dc=example,dc=org", new Attribute("objectClass", "top", "domain"), new Attribute("dc", "example")));
        server.add(new Entry(BASE, new Attribute("objectClass", "top", "organizationalUnit"), new Attribute("ou", "people")));
        person("bob", new Attribute("pgpKey", PgpKeys.armoredCertificate(bob)));
        person("frank", new Attribute("pgpCertificate", frank.getEncoded()));
        person("carol", new Attribute("userCertificate;binary", carol.certificate().getEncoded()));
        person("dave", new Attribute("userCertificate;binary", dave.certificate().getEncoded()));
        person("eve", new Attribute("pgpKey", PgpKeys.armoredCertificate(mallory))); // someone else's key
        server.startListening();
    }

    private void person(String uid, Attribute key) throws Exception {
        server.add(new Entry("uid=" + uid + "," + BASE, new Attribute("objectClass", "top", "inetOrgPerson"),
                new Attribute("uid", uid), new Attribute("cn", uid), new Attribute("sn", uid),
                new Attribute("mail", uid + "@example.org"), key));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        executor.shutdownNow();
        server.shutDown(true);
    }

    private LdapSettings settings(String url, Duration responseTimeout) {
        return new LdapSettings(List.of(url), false, null, BIND_DN, "directory-secret".toCharArray(), BASE,
                LdapSettings.DEFAULT_FILTER, LdapSettings.DEFAULT_PGP_ATTRIBUTES, LdapSettings.DEFAULT_SMIME_ATTRIBUTES,
                Duration.ofSeconds(5), responseTimeout, 4);
    }

    private LdapKeyDirectory directory() throws Exception {
        return open(settings("ldap://127.0.0.1:" + server.getListenPort(), Duration.ofSeconds(10)));
    }

    private LdapKeyDirectory open(LdapSettings settings) throws Exception {
        LdapKeyDirectory directory = LdapKeyDirectory.open(settings, Clock.systemUTC());
        closing.add(directory);
        return directory;
    }

    private CachedKeySource cached(KeySource source, Duration timeout) {
        return new CachedKeySource(source,
                new KeyCacheSettings(Duration.ofMinutes(10), Duration.ofHours(24), timeout, 1000), executor, nanos::get);
    }

    @Test
    void findsArmoredAndBinaryOpenPgpAndDerSmimeKeys() throws Exception {
        LdapKeyDirectory directory = directory();
        assertThat(directory.encryptionKeys("Bob@Example.org")).singleElement()
                .satisfies(k -> assertThat(k.format()).isEqualTo(Format.PGP_MIME))
                .satisfies(k -> assertThat(k.address()).isEqualTo("bob@example.org"));
        assertThat(directory.encryptionKeys("frank@example.org")).singleElement()
                .satisfies(k -> assertThat(k.format()).isEqualTo(Format.PGP_MIME));
        assertThat(directory.encryptionKeys("carol@example.org")).singleElement()
                .isInstanceOfSatisfying(RecipientKey.Smime.class,
                        k -> assertThat(k.certificate()).isEqualTo(carol.certificate()));
        assertThat(directory.encryptionKeys("nobody@example.org")).isEmpty();
    }

    @Test
    void expiredCertificatesAndKeysForOtherAddressesAreIgnored() throws Exception {
        LdapKeyDirectory directory = directory();
        assertThat(directory.entries("dave@example.org")).hasSize(1);
        assertThat(directory.encryptionKeys("dave@example.org")).isEmpty();
        assertThat(directory.entries("eve@example.org")).hasSize(1);
        assertThat(directory.encryptionKeys("eve@example.org")).isEmpty(); // mallory's key in eve's entry
    }

    @Test
    void anAddressCannotWidenTheSearch() throws Exception {
        LdapKeyDirectory directory = directory();
        assertThat(directory.entries("*@example.org")).isEmpty(); // unescaped, (mail=*@example.org) finds everyone
        assertThat(directory.entries("*)(uid=*))(|(uid=*")).isEmpty();
        assertThat(directory.encryptionKeys("*)(uid=*))(|(uid=*")).isEmpty();
        assertThat(directory.filter("*)(uid=*))(|(uid=*").toString()).isEqualTo("(mail=\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a)");
    }

    @Test
    void aSecondLookupIsACacheHit() throws Exception {
        CachedKeySource cache = cached(directory(), Duration.ofSeconds(10));
        assertThat(cache.encryptionKeys("bob@example.org")).hasSize(1);
        assertThat(cache.encryptionKeys("bob@example.org")).hasSize(1);
        assertThat(cache.stats().hitCount()).isEqualTo(1);
        assertThat(cache.stats().missCount()).isEqualTo(1);
    }

    @Test
    void aWrongBindPasswordIsAFailureNotNoKey() throws Exception {
        LdapSettings wrong = new LdapSettings(List.of("ldap://127.0.0.1:" + server.getListenPort()), false, null,
                BIND_DN, "wrong".toCharArray(), BASE, LdapSettings.DEFAULT_FILTER, LdapSettings.DEFAULT_PGP_ATTRIBUTES,
                LdapSettings.DEFAULT_SMIME_ATTRIBUTES, Duration.ofSeconds(5), Duration.ofSeconds(5), 2);
        CachedKeySource cache = cached(open(wrong), Duration.ofSeconds(10));
        assertThatThrownBy(() -> cache.encryptionKeys("bob@example.org"))
                .isInstanceOf(KeyLookupException.class)
                .hasMessageNotContaining("wrong");
        assertThat(cache.answersNow()).isFalse();
    }

    @Test
    void whenTheDirectoryStopsTheLastAnswerIsServedAndUnknownAddressesFail() throws Exception {
        CachedKeySource cache = cached(directory(), Duration.ofSeconds(10));
        List<RecipientKey> keys = cache.encryptionKeys("bob@example.org");
        assertThat(cache.answersNow()).isTrue();
        int port = server.getListenPort();
        server.shutDown(true);

        nanos.addAndGet(Duration.ofHours(1).toNanos()); // past expiry: a refresh is attempted, and fails
        assertThat(cache.encryptionKeys("bob@example.org")).isEqualTo(keys);
        assertThatThrownBy(() -> cache.encryptionKeys("carol@example.org"))
                .isInstanceOf(KeyLookupException.class)
                .hasMessageContaining("ldap ldap://127.0.0.1:" + port);
        assertThat(cache.answersNow()).isFalse();
    }

    @Test
    void aDirectoryThatAcceptsAndNeverAnswersIsGivenUpOn() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            executor.execute(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // and never a byte back
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            // The LDAP response timeout is an hour: only the cache's timeout can end the wait.
            CachedKeySource cache = cached(open(settings("ldap://127.0.0.1:" + silent.getLocalPort(),
                    Duration.ofHours(1))), Duration.ofMillis(300));
            assertThatThrownBy(() -> cache.encryptionKeys("bob@example.org"))
                    .isInstanceOf(KeyLookupException.class)
                    .hasMessageContaining("no answer within PT0.3S");
        }
    }

    @Test
    void settingsNeverPrintThePassword() {
        assertThat(settings("ldap://127.0.0.1:1", Duration.ofSeconds(1)).toString())
                .doesNotContain("directory-secret").contains(BIND_DN);
        assertThat(new String(settings("ldap://x", Duration.ofSeconds(1)).bindPassword()).getBytes(StandardCharsets.UTF_8))
                .isNotEmpty();
    }

    @Test
    void mailThroughTheFilterFlowsOpportunisticallyAndWaitsWhenRequiredWhileTheDirectoryIsDown() throws Exception {
        Policy policy = new Policy(
                new Policy.Rule(Policy.Mode.OPPORTUNISTIC, null),
                Map.of(), Map.of("required@example.org",
                        new Policy.Rule(Policy.Mode.REQUIRE, null)),
                Map.of());
        KeySourceChain chain = new KeySourceChain(List.of(cached(directory(), Duration.ofSeconds(2))));
        EncryptingFilter filter = new EncryptingFilter(chain, policy,
                CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS, 1 << 16,
                Runnable::run);
        assertThat(text(relay(filter, "bob@example.org"))).contains("multipart/encrypted").doesNotContain("the plan");

        server.shutDown(true);
        assertThat(text(relay(filter, "bob@example.org"))).as("bob's key was cached").contains("multipart/encrypted");
        assertThat(text(relay(filter, "someone@example.org"))).as("opportunistic: flows, in plaintext")
                .contains("the plan");
        SmtpReply refusal = filter.checkRecipient(envelope("required@example.org"),
                "required@example.org").toCompletableFuture().join();
        assertThat(refusal.code()).as("required: the client keeps it and retries").isEqualTo(451);
    }

    private static MessageFilter.Envelope envelope(String recipient) {
        return new MessageFilter.Envelope("alice@example.org", "alice@example.org", Map.of(),
                List.of(new OutboundCopy.Recipient(recipient, Map.of())));
    }

    private static OutboundCopy relay(EncryptingFilter filter, String to) {
        byte[] message = ("From: alice@example.org\r\nTo: " + to + "\r\nSubject: plan\r\n\r\nthe plan\r\n")
                .getBytes(StandardCharsets.UTF_8);
        MessageContent content = new MessageContent() {
            @Override
            public long size() {
                return message.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(message);
            }

            @Override
            public void close() {
            }
        };
        List<OutboundCopy> copies = filter.process(envelope(to), content).toCompletableFuture().join();
        assertThat(copies).hasSize(1);
        return copies.get(0);
    }

    private static String text(OutboundCopy copy) throws Exception {
        try (InputStream in = copy.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
