package org.mailseal.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.testing.ScriptedImapServer;

/** What a client or an upstream may send that must not work: each answered, bounded, and never relayed. */
class ImapBadInputTest {
    private final GreenMail store = new GreenMail(new ServerSetup(0, "127.0.0.1", "imap").dynamicPort());
    private ProxyUnderTest proxy;

    @BeforeEach
    void start() throws Exception {
        store.start();
        store.setUser("bob@example.org", "bob@example.org", "bob-pw");
        proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort()));
    }

    @AfterEach
    void stop() {
        proxy.close();
        store.stop();
    }

    private ImapTestClient client() throws IOException {
        ImapTestClient client = new ImapTestClient(proxy.port());
        assertThat(client.greeting()).startsWith("* OK");
        return client;
    }

    @Test
    void hugeNegativeAndOverlongLiteralsBeforeLoginAreRefused() throws IOException {
        try (ImapTestClient client = client()) {
            client.send("a LOGIN {4294967295}\r\n");
            assertThat(client.line()).isEqualTo("a NO [TOOBIG] Literal too big\r\n");
            client.send("b LOGIN {99999999999999999999}\r\n");
            assertThat(client.line()).isEqualTo("b NO [TOOBIG] Literal too big\r\n");
            client.send("c LOGIN {5000}\r\n"); // above the 4096 allowed before login
            assertThat(client.line()).isEqualTo("c NO [TOOBIG] Literal too big\r\n");
            assertThat(client.command("d", "LOGIN {-1}")).isEqualTo("d BAD Invalid arguments\r\n");
            assertThat(client.command("e", "NOOP")).isEqualTo("e OK NOOP completed\r\n");
        }
    }

    @Test
    void aLargeNonSynchronizingLiteralBeforeLoginEndsTheSession() throws IOException {
        try (ImapTestClient client = client()) {
            client.send("a LOGIN {100000+}\r\n" + "x".repeat(100));
            assertThat(client.line()).isEqualTo("a BAD [TOOBIG] Literal too big\r\n");
            assertThat(client.line()).startsWith("* BYE");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void aLiteralAboveTheMessageLimitAfterLoginIsRefused() throws IOException {
        try (ImapTestClient client = client()) {
            assertThat(client.command("l", "LOGIN bob@example.org bob-pw")).contains("l OK");
            client.send("a APPEND INBOX {999999999}\r\n");
            assertThat(client.line()).isEqualTo("a NO [TOOBIG] Literal too big\r\n");
        }
    }

    @Test
    void authenticatePlainIsRelayedAndItsMalformedFormsNeverReachTheServer() throws IOException {
        java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
        try (ImapTestClient client = client()) {
            client.send("a AUTHENTICATE PLAIN\r\n");
            assertThat(client.line()).isEqualTo("+ \r\n");
            client.send("*\r\n");
            assertThat(client.until("a")).isEqualTo("a BAD Authentication cancelled\r\n");
            assertThat(client.command("b", "AUTHENTICATE PLAIN %%%")).isEqualTo("b BAD Invalid base64\r\n");
            assertThat(client.command("c", "AUTHENTICATE PLAIN " + base64.encodeToString("nonul".getBytes())))
                    .isEqualTo("c BAD Invalid PLAIN response\r\n");
            assertThat(client.command("d", "AUTHENTICATE PLAIN "
                    + base64.encodeToString("mallory@example.org\0bob@example.org\0bob-pw".getBytes())))
                    .startsWith("d NO [AUTHORIZATIONFAILED]");
            assertThat(client.command("e", "AUTHENTICATE CRAM-MD5")).startsWith("e NO");
            assertThat(client.command("f", "AUTHENTICATE PLAIN "
                    + base64.encodeToString("\0bob@example.org\0wrong".getBytes()))).startsWith("f NO");
            assertThat(proxy.crypto.lastPassword).isNull(); // nothing unlocked without a successful login
            client.send("g AUTHENTICATE PLAIN\r\n");
            assertThat(client.line()).startsWith("+");
            client.send(base64.encodeToString("\0bob@example.org\0bob-pw".getBytes()) + "\r\n");
            assertThat(client.until("g")).startsWith("g OK [CAPABILITY IMAP4rev1");
            assertThat(proxy.crypto.lastPassword).isEqualTo("bob-pw");
        }
    }

    /** A server whose logins are local parts: the configured domain makes the login the key's address. */
    @Test
    void aLoginWithoutDomainUnlocksTheKeysOfTheConfiguredDomain() throws Exception {
        store.setUser("carol@example.org", "carol", "carol-pw");
        proxy.close();
        proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginDomain("example.org")
                .withLoginWithoutTls(true).withPlaintextAppends(java.util.Set.of("Drafts")),
                ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort()));
        try (ImapTestClient client = client()) {
            assertThat(client.command("l", "LOGIN carol carol-pw")).contains("l OK");
            assertThat(proxy.crypto.lastUser).isEqualTo("carol@example.org");
        }
        try (ImapTestClient client = client()) {
            assertThat(client.command("l", "LOGIN bob@example.org bob-pw")).contains("l OK");
            assertThat(proxy.crypto.lastUser).isEqualTo("bob@example.org"); // a full address stays as it is
        }
    }

    @Test
    void aMillionOpenParenthesesAreBad() throws IOException {
        try (ImapTestClient client = client()) {
            assertThat(client.command("l", "LOGIN bob@example.org bob-pw")).contains("l OK");
            client.send("a SEARCH " + "(".repeat(1_000_000) + "\r\n");
            assertThat(client.line()).isEqualTo("a BAD Line too long\r\n");
            assertThat(client.command("b", "NOOP")).endsWith("b OK NOOP completed.\r\n");
        }
    }

    @Test
    void tagsAndMailboxNamesWithLineBreaksOrNulAreBadAndNeverRelayed() throws IOException {
        try (ImapTestClient client = client()) {
            assertThat(client.command("l", "LOGIN bob@example.org bob-pw")).contains("l OK");
            client.send("a\u0000 NOOP\r\n");
            assertThat(client.line()).isEqualTo("* BAD Invalid tag\r\n");
            assertThat(client.command("b", "CREATE \"x\u0000y\"")).isEqualTo("b BAD CR, LF or NUL where none may be\r\n");
            client.send("c CREATE {3}\r\n");
            assertThat(client.line()).startsWith("+");
            client.send("x\ry\r\n");
            assertThat(client.line()).isEqualTo("c BAD CR, LF or NUL where none may be\r\n");
            client.send("d CREATE {3+}\r\nx\ny\r\n");
            assertThat(client.line()).isEqualTo("d BAD CR, LF or NUL where none may be\r\n");
            assertThat(client.command("e", "LIST \"\" *")).doesNotContain("x").contains("e OK");
        }
    }

    @Test
    void commandsPipelinedBehindStartTlsNeverRun() throws Exception {
        proxy.close();
        SelfSignedCertificate certificate = new SelfSignedCertificate("imap.example.org");
        SslContext tls = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
        proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withTls(tls, false),
                ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort()));
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            ImapTestClient plain = new ImapTestClient(socket);
            assertThat(plain.greeting()).contains("STARTTLS").contains("LOGINDISABLED");
            plain.send("a STARTTLS\r\nb LOGIN bob@example.org bob-pw\r\n");
            assertThat(plain.line()).isEqualTo("a OK Begin TLS negotiation now\r\n");
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll()}, null);
            SSLSocket secure = (SSLSocket) context.getSocketFactory().createSocket(socket, "127.0.0.1", proxy.port(), false);
            secure.startHandshake();
            ImapTestClient client = new ImapTestClient(secure);
            String answer = client.command("c", "CAPABILITY");
            assertThat(answer).doesNotContain("b OK").doesNotContain("b NO").contains("AUTH=PLAIN")
                    .doesNotContain("LOGINDISABLED").endsWith("c OK Capability completed\r\n");
        }
    }

    @Test
    void anUpstreamThatInjectsLinesAfterItsStartTlsReplyGetsNoCredentials() throws Exception {
        try (ScriptedImapServer upstream = new ScriptedImapServer((in, out) -> {
            ScriptedImapServer.write(out, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
            String tag = in.line().split(" ")[0];
            ScriptedImapServer.write(out, tag + " OK go ahead\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n");
            in.line();
        })) {
            expectRefused(upstream, ImapUpstreamConfig.TlsMode.STARTTLS);
            // Refused before any handshake: no TLS record (0x16 0x03 ...) followed the STARTTLS.
            assertThat(upstream.received.toString()).endsWith("STARTTLS\r\n").doesNotContain("\u0016\u0003");
        }
    }

    @Test
    void anUpstreamThatGreetsWithPreauthGetsNoCredentials() throws Exception {
        try (ScriptedImapServer upstream = new ScriptedImapServer((in, out) -> {
            ScriptedImapServer.write(out, "* PREAUTH [CAPABILITY IMAP4rev1] welcome\r\n");
            in.line();
        })) {
            expectRefused(upstream, ImapUpstreamConfig.TlsMode.NONE);
            assertThat(upstream.received.toString()).isEmpty(); // not even a CAPABILITY: the session never starts
        }
    }

    private void expectRefused(ScriptedImapServer upstream, ImapUpstreamConfig.TlsMode mode) throws Exception {
        proxy.close();
        SslContext trustAll = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                ImapUpstreamConfig.plain("127.0.0.1", upstream.port()).withTls(mode, trustAll, true));
        try (ImapTestClient client = new ImapTestClient(proxy.port())) {
            assertThat(client.line()).startsWith("* BYE");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void anUpstreamThatStopsAnsweringEndsTheSessionWithByeInsteadOfAHang() throws Exception {
        try (ScriptedImapServer upstream = new ScriptedImapServer((in, out) -> {
            ScriptedImapServer.write(out, "* OK [CAPABILITY IMAP4rev1] hi\r\n");
            while (true) {
                String line = in.line();
                if (line.isEmpty() || line.toUpperCase().contains("SELECT")) {
                    in.line(); // and never answers
                    return;
                }
                ScriptedImapServer.write(out, line.split(" ")[0] + " OK done\r\n");
            }
        })) {
            proxy.close();
            proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                    impatient(upstream.port()));
            try (ImapTestClient client = client()) {
                assertThat(client.command("l", "LOGIN bob pw")).contains("l OK");
                client.send("s SELECT INBOX\r\n");
                assertThat(client.line()).startsWith("* BYE [UNAVAILABLE]");
                assertThat(client.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void anUpstreamThatNeverGreetsGivesTheClientAByeAfterTheTimeout() throws Exception {
        try (ScriptedImapServer upstream = new ScriptedImapServer((in, out) -> in.line())) {
            proxy.close();
            proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                    impatient(upstream.port()));
            try (ImapTestClient client = new ImapTestClient(proxy.port())) {
                assertThat(client.line()).startsWith("* BYE [UNAVAILABLE]");
            }
        }
    }

    /** DESIGN.md invariant 5: no credentials cross an unencrypted upstream link unless configured. */
    @Test
    void noCredentialsGoToAnUnencryptedUpstreamUnlessConfigured() throws Exception {
        try (ScriptedImapServer upstream = new ScriptedImapServer((in, out) -> {
            ScriptedImapServer.write(out, "* OK [CAPABILITY IMAP4rev1] hi\r\n");
            while (true) {
                String line = in.line();
                if (line.isEmpty()) {
                    return;
                }
                ScriptedImapServer.write(out, line.split(" ")[0] + " OK done\r\n");
            }
        })) {
            proxy.close();
            ImapUpstreamConfig plain = ImapUpstreamConfig.plain("127.0.0.1", upstream.port());
            proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                    new ImapUpstreamConfig(plain.host(), plain.port(), ImapUpstreamConfig.TlsMode.NONE, null, false,
                            plain.maxMessageBytes(), plain.connectTimeout(), plain.commandTimeout()));
            try (ImapTestClient client = client()) {
                assertThat(client.command("l", "LOGIN bob@example.org bob-pw")).startsWith("l NO [UNAVAILABLE]");
                assertThat(client.command("a", "AUTHENTICATE PLAIN "
                        + java.util.Base64.getEncoder().encodeToString("\0bob@example.org\0bob-pw".getBytes())))
                        .startsWith("a NO [UNAVAILABLE]");
            }
            assertThat(upstream.received.toString()).doesNotContain("bob");
        }
    }

    @Test
    void anUpstreamThatDropsInTheMiddleOfALiteralLeavesTheClientACleanBye() throws Exception {
        try (ScriptedImapServer upstream = new ScriptedImapServer((in, out) -> {
            ScriptedImapServer.write(out, "* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
            while (true) {
                String line = in.line();
                String tag = line.split(" ")[0];
                String command = line.length() > tag.length() ? line.substring(tag.length() + 1).toUpperCase() : "";
                if (command.startsWith("LOGIN")) {
                    ScriptedImapServer.write(out, tag + " OK logged in\r\n");
                } else if (command.startsWith("CAPABILITY")) {
                    ScriptedImapServer.write(out, "* CAPABILITY IMAP4rev1 LITERAL+\r\n" + tag + " OK done\r\n");
                } else if (command.startsWith("SELECT")) {
                    ScriptedImapServer.write(out, "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + tag + " OK [READ-WRITE] done\r\n");
                } else if (command.startsWith("FETCH")) {
                    ScriptedImapServer.write(out, "* 1 FETCH (UID 1 BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10"
                            + " 1 NIL NIL NIL NIL) BODY[] {1000}\r\nSubject: half a message");
                    return; // and the connection drops
                } else {
                    return;
                }
            }
        })) {
            proxy.close();
            proxy = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                    ImapUpstreamConfig.plain("127.0.0.1", upstream.port()));
            try (ImapTestClient client = client()) {
                assertThat(client.command("l", "LOGIN bob pw")).contains("l OK");
                assertThat(client.command("s", "SELECT INBOX")).contains("s OK");
                client.send("f FETCH 1 BODY.PEEK[]\r\n");
                String rest = client.line();
                assertThat(rest).startsWith("* BYE");
                assertThat(client.closedByPeer()).isTrue();
            }
        }
    }

    /** A plain upstream whose commands time out after half a second. */
    private static ImapUpstreamConfig impatient(int port) {
        ImapUpstreamConfig plain = ImapUpstreamConfig.plain("127.0.0.1", port);
        return new ImapUpstreamConfig(plain.host(), plain.port(), plain.tls(), null, true, plain.maxMessageBytes(),
                plain.connectTimeout(), java.time.Duration.ofMillis(500));
    }

    private static X509TrustManager trustAll() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
    }
}
