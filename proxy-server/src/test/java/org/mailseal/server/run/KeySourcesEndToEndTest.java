package org.mailseal.server.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.bcpg.PacketFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.crypto.testing.TestUser;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.keys.AutocryptHeaders;
import org.mailseal.server.keys.KeySourceChain;
import org.mailseal.server.keys.LoopbackTls;
import org.mailseal.server.keys.TunnelProxy;
import org.mailseal.server.testing.SmtpTalk;

/**
 * The Autocrypt and WKD sources as an administrator configures them: a YAML file, {@code ProxyServer.start}, an
 * inbound and a submission listener in front of GreenMail. A key learned from inbound mail, or found in a domain's
 * Web Key Directory (a local HTTPS server reached through the system proxy setting under its real host name),
 * encrypts the next submission to that peer.
 */
@Timeout(120)
class KeySourcesEndToEndTest {
    static final String CAROL = "carol@remote.example";
    static final String DAVE = "dave@remote.example";
    static final String[] ALICE = {"alice@example.org", "alice-pw"};

    @TempDir
    static Path users;
    static TestUser carol;

    @TempDir
    Path dir;
    final GreenMail mta = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
    ProxyServer mailseal;

    @BeforeAll
    static void carol() throws Exception {
        carol = TestUser.create(users.resolve("carol"), CAROL, Format.PGP_MIME); // her own key home, not mailseal's
    }

    @BeforeEach
    void startMta() {
        mta.start();
        mta.setUser(ALICE[0], ALICE[0], ALICE[1]);
    }

    @AfterEach
    void stop() {
        if (mailseal != null) {
            mailseal.close();
        }
        mta.stop();
    }

    /** The configuration: these key sources, an inbound listener for example.org, a submission listener. */
    private Path config(String sources) throws Exception {
        return Files.writeString(dir.resolve("mailseal.yaml"), """
                keys:
                  home: keys
                  sources:
                %s
                policy:
                  default: opportunistic
                  domains:
                    secure.example: require
                listeners:
                  - role: inbound
                    listen: 127.0.0.1:%d
                    hostname: mx.example.org
                    localDomains: [example.org]
                    upstream: { host: 127.0.0.1, port: %d }
                  - role: submission
                    listen: 127.0.0.1:%d
                    hostname: mail.example.org
                    authWithoutTls: true
                    upstream: { host: 127.0.0.1, port: %d, allowPlaintextAuth: true }
                """.formatted(sources.indent(4).stripTrailing(), SmtpTalk.freePort(), mta.getSmtp().getPort(),
                SmtpTalk.freePort(), mta.getSmtp().getPort()));
    }

    private int inbound() {
        return mailseal.addresses().get(0).getPort();
    }

    private int submission() {
        return mailseal.addresses().get(1).getPort();
    }

    /** Alice submits a message to one recipient; the replies to MAIL, RCPT and the data. */
    private List<String> submit(String recipient, String text) throws Exception {
        return SmtpTalk.send(submission(), ALICE, ALICE[0], recipient, "From: " + ALICE[0] + "\r\nTo: " + recipient
                + "\r\nSubject: plans\r\n\r\n" + text + "\r\n");
    }

    private static String opened(TestUser reader, MimeMessage message) throws Exception {
        assertThat(message.getContentType()).startsWith("multipart/encrypted");
        try (var result = reader.decrypt(SmtpTalk.raw(message))) {
            return new String(result.message().toByteArray(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] certificate(TestUser user) throws Exception {
        return ((RecipientKey.Pgp) user.recipient(Format.PGP_MIME)).certificate().getEncoded(PacketFormat.CURRENT);
    }

    @Test
    void aKeyLearnedFromInboundMailEncryptsTheNextSubmissionButNeverOverridesAPinnedKey() throws Exception {
        // dave's key is pinned in mailseal's key home; the Autocrypt header he will send names another key.
        TestUser dave = TestUser.inHome(FileKeyHome.open(dir.resolve("keys")), DAVE, Format.PGP_MIME);
        byte[] daveElsewhere = PgpKeys.generate(DAVE, KeyAlgorithm.CV25519, "pw".toCharArray(), new Date(), false)
                .toCertificate().getEncoded(PacketFormat.CURRENT);
        mailseal = ProxyServer.start(ConfigLoader.load(config("- type: home\n- type: autocrypt\n")));

        // Before carol has written: no key, so plaintext (opportunistic); the "no key" answer is now cached.
        assertThat(submit(CAROL, "Before.")).last().asString().startsWith("250 ");
        assertThat(SmtpTalk.raw(SmtpTalk.received(mta, CAROL, 1).get(0))).asString(StandardCharsets.UTF_8)
                .contains("Before.");

        for (String[] peer : new String[][] {{CAROL, "c"}, {DAVE, "d"}}) {
            byte[] key = peer[1].equals("c") ? certificate(carol) : daveElsewhere;
            String message = "From: " + peer[0] + "\r\nTo: " + ALICE[0] + "\r\n" + AutocryptHeaders.date(Instant.now())
                    + "Subject: hello\r\n" + AutocryptHeaders.field("addr=" + peer[0] + "; prefer-encrypt=mutual; ", key)
                    + "\r\nWrite to me encrypted.\r\n";
            assertThat(SmtpTalk.send(inbound(), null, peer[0], ALICE[0], message)).last().asString().startsWith("250 ");
        }
        SmtpTalk.received(mta, ALICE[0], 2); // learning happens before a message is relayed

        assertThat(submit(CAROL, "After.")).last().asString().startsWith("250 ");
        assertThat(opened(carol, SmtpTalk.received(mta, CAROL, 2).get(1))).contains("Subject: plans").contains("After.");
        assertThat(submit(DAVE, "Pinned.")).last().asString().startsWith("250 ");
        assertThat(opened(dave, SmtpTalk.received(mta, DAVE, 1).get(0))).contains("Pinned.");
        try (var learned = Files.list(dir.resolve("keys/autocrypt"))) {
            assertThat(learned).hasSize(1); // carol only: an address with a key in the key home is never learned
        }
        assertThat(mailseal.keySources().health()).extracting(KeySourceChain.SourceHealth::source)
                .containsExactly("home", "autocrypt");
    }

    @Test
    void aKeyFromTheDomainsWebKeyDirectoryEncryptsAndADownDirectoryHoldsUpOnlyRequiredRecipients()
            throws Exception {
        LoopbackTls tls = new LoopbackTls("remote.example");
        List<String> requests = new CopyOnWriteArrayList<>();
        byte[] carolKey = certificate(carol);
        HttpsServer wkd = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        wkd.setHttpsConfigurator(new HttpsConfigurator(tls.server));
        wkd.createContext("/.well-known/openpgpkey/hu/", exchange -> {
            requests.add(exchange.getRequestHeaders().getFirst("Host") + " " + exchange.getRequestURI());
            if ("l=carol".equals(exchange.getRequestURI().getQuery())) {
                exchange.sendResponseHeaders(200, carolKey.length);
                exchange.getResponseBody().write(carolKey);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        wkd.start();
        // remote.example:443 is the local server; any other domain's directory (down.example, secure.example) is
        // down: the proxy answers 502.
        try (TunnelProxy proxy = new TunnelProxy().route("remote.example:443", wkd.getAddress().getPort())) {
            Path trust = Files.writeString(dir.resolve("wkd-ca.pem"), SmimeKeys.pem(tls.certificate));
            Path file = config("- type: home\n- type: wkd\n  methods: [direct]\n  trust: " + trust + "\n");
            ProxySelector system = ProxySelector.getDefault();
            ProxySelector.setDefault(proxy.selector()); // the system's proxy setting, as an administrator's would be
            try {
                mailseal = ProxyServer.start(ConfigLoader.load(file));
            } finally {
                ProxySelector.setDefault(system);
            }

            assertThat(submit(CAROL, "Found.")).last().asString().startsWith("250 ");
            assertThat(opened(carol, SmtpTalk.received(mta, CAROL, 1).get(0))).contains("Found.");
            assertThat(requests).singleElement().asString()
                    .matches("remote\\.example /\\.well-known/openpgpkey/hu/[a-z0-9]{32}\\?l=carol");

            // opportunistic: the failed lookup is "no key", the mail flows as plaintext
            assertThat(submit("dan@down.example", "Plain.")).last().asString().startsWith("250 ");
            assertThat(SmtpTalk.raw(SmtpTalk.received(mta, "dan@down.example", 1).get(0)))
                    .asString(StandardCharsets.UTF_8).contains("Plain.");
            // require: try again later, not a bounce
            assertThat(submit("erin@secure.example", "Held.")).last().asString()
                    .startsWith("451 4.7.1 Key directory unavailable");
            assertThat(mailseal.keySources().health()).allMatch(KeySourceChain.SourceHealth::up);
        } finally {
            wkd.stop(0);
        }
    }
}
