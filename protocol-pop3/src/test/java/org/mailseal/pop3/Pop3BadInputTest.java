package org.mailseal.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** Bad input from clients and misbehaving upstreams: each gets a clear error, and nothing is lost or leaked. */
class Pop3BadInputTest {
    private static final Pop3SessionConfig OPEN = Pop3SessionConfig.defaults("pop3.example.org").withLoginWithoutTls(true);

    private static Pop3TestClient connect(ProxyUnderTest proxy) throws IOException {
        Pop3TestClient client = new Pop3TestClient(proxy.port());
        assertThat(client.line()).startsWith("+OK");
        return client;
    }

    private static Pop3TestClient loggedIn(ProxyUnderTest proxy) throws IOException {
        Pop3TestClient client = connect(proxy);
        assertThat(client.command("USER bob")).startsWith("+OK");
        assertThat(client.command("PASS pw")).startsWith("+OK");
        return client;
    }

    @Test
    void commandsPipelinedBehindStlsNeverRun() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("pop3.example.org");
        SslContext tls = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(Pop3SessionConfig.defaults("pop3.example.org").withTls(tls, false),
                     Pop3UpstreamConfig.plain("127.0.0.1", upstream.port()));
             Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            assertThat(in.readLine()).startsWith("+OK");
            out.write("USER bob\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("-ERR Use STLS first"); // no login in the clear
            out.write("STLS\r\nUSER bob\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("+OK Begin TLS negotiation");
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            try (SSLSocket secure = (SSLSocket) trustAll.getSocketFactory().createSocket(socket, "127.0.0.1",
                    proxy.port(), true)) {
                secure.startHandshake();
                BufferedReader tlsIn = new BufferedReader(new InputStreamReader(secure.getInputStream(),
                        StandardCharsets.UTF_8));
                OutputStream tlsOut = secure.getOutputStream();
                tlsOut.write("PASS pw\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(tlsIn.readLine()).isEqualTo("-ERR USER first"); // the pipelined USER never ran
                tlsOut.write("CAPA\r\n".getBytes(StandardCharsets.US_ASCII));
                StringBuilder capa = new StringBuilder();
                String line;
                while (!(line = tlsIn.readLine()).equals(".")) {
                    capa.append(line).append('\n');
                }
                assertThat(capa.toString()).contains("USER\n").doesNotContain("STLS");
            }
            assertThat(upstream.received).noneMatch(line -> line.startsWith("USER") || line.startsWith("PASS"));
        } finally {
            certificate.delete();
        }
    }

    @Test
    void anOverlongLineGetsAnErrorAndTheSessionGoesOn() throws Exception {
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port()));
             Pop3TestClient client = connect(proxy)) {
            String chunk = "x".repeat(64 << 10);
            client.send("USER ");
            for (int i = 0; i < 32; i++) { // 2 MiB in one line: never buffered beyond the limit
                client.send(chunk);
            }
            client.send("\r\n");
            assertThat(client.line()).isEqualTo("-ERR Line too long\r\n");
            assertThat(client.command("USER bob")).startsWith("+OK");
            assertThat(client.command("PASS pw")).startsWith("+OK");
            assertThat(upstream.received).noneMatch(line -> line.contains("xxx"));
        }
    }

    @Test
    void malformedLinesAndBadMessageNumbersAreRefusedWithoutReachingTheServer() throws Exception {
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port()));
             Pop3TestClient client = loggedIn(proxy)) {
            for (String bad : new String[] {"RETR abc", "RETR 0", "RETR -1", "RETR 4294967296", "RETR 99999999999",
                    "RETR 1 2", "RETR", "RETR 1x", "TOP 1", "TOP 1 -1", "TOP 0 1", "TOP 1 99999999999", "DELE 0",
                    "LIST 0", "LIST x", "UIDL 1 2", "STAT 1", "NOOP x", "RSET x", "XYZZY", "APOP bob 0123"}) {
                assertThat(client.command(bad)).as(bad).startsWith("-ERR");
            }
            client.send("RETR 1\0\r\n");
            assertThat(client.line()).isEqualTo("-ERR Malformed command line\r\n");
            client.send("RETR 1\n");
            assertThat(client.line()).isEqualTo("-ERR Malformed command line\r\n");
            client.send("RETR 1\rDELE 1\r\n");
            assertThat(client.line()).isEqualTo("-ERR Malformed command line\r\n");
            assertThat(client.command("NOOP")).startsWith("+OK");
            assertThat(upstream.received).containsExactly("CAPA", "USER bob", "PASS pw", "CAPA", "NOOP");
        }
    }

    @Test
    void commandsInTheWrongStateAreRefused() throws Exception {
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port()))) {
            try (Pop3TestClient client = connect(proxy)) {
                for (String early : new String[] {"STAT", "LIST", "RETR 1", "TOP 1 0", "DELE 1", "UIDL", "NOOP",
                        "RSET", "PASS pw"}) {
                    assertThat(client.command(early)).as(early).startsWith("-ERR");
                }
            }
            try (Pop3TestClient client = loggedIn(proxy)) {
                for (String late : new String[] {"USER bob", "PASS pw", "AUTH PLAIN", "STLS", "APOP bob x"}) {
                    assertThat(client.command(late)).as(late).startsWith("-ERR");
                }
            }
            assertThat(upstream.received).filteredOn(line -> line.startsWith("USER")).hasSize(1);
        }
    }

    @Test
    void credentialsWithLineBreaksNeverReachTheServer() throws Exception {
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port()));
             Pop3TestClient client = connect(proxy)) {
            String injected = Base64.getEncoder().encodeToString("\0bob\r\nDELE 1\0pw".getBytes(StandardCharsets.UTF_8));
            assertThat(client.command("AUTH PLAIN " + injected)).startsWith("-ERR [AUTH]");
            String password = Base64.getEncoder().encodeToString("\0bob\0pw\r\nDELE 1".getBytes(StandardCharsets.UTF_8));
            assertThat(client.command("AUTH PLAIN " + password)).startsWith("-ERR [AUTH]");
            assertThat(upstream.received).containsExactly("CAPA");
        }
    }

    @Test
    void anUpstreamThatDropsInTheMiddleOfRetrGivesAnErrorNotATruncatedMessage() throws Exception {
        String encrypted = FakeCrypto.encrypt("Subject: secret\r\n\r\nbody\r\n");
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> {
            if (line.startsWith("RETR")) {
                return "+OK\r\n" + encrypted.substring(0, encrypted.length() / 2) + ScriptedPop3Server.THEN_CLOSE;
            }
            return "+OK\r\n";
        });
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port()));
             Pop3TestClient client = loggedIn(proxy)) {
            client.send("RETR 1\r\n");
            assertThat(client.line()).isEqualTo("-ERR [SYS/TEMP] Connection to the mail server lost\r\n");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void listenersThatShareTheCacheNeverServeOneServersMessageForAnothers() throws Exception {
        DecryptedMaildrop shared = new DecryptedMaildrop(1 << 20, Duration.ofMinutes(5), 100, Duration.ofHours(1));
        String first = "Subject: at the first server\r\n\r\none\r\n";
        String second = "Subject: at the second server\r\n\r\ntwo\r\n";
        // The same login and the same unique-id at both.
        try (ScriptedPop3Server one = ScriptedPop3Server.loggingIn(line -> line.equals("RETR 1")
                        ? "+OK\r\n" + FakeCrypto.encrypt(first) + ".\r\n" : "+OK\r\n");
             ScriptedPop3Server two = ScriptedPop3Server.loggingIn(line -> line.equals("RETR 1")
                     ? "+OK\r\n" + FakeCrypto.encrypt(second) + ".\r\n" : "+OK\r\n");
             ProxyUnderTest toOne = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", one.port()), shared);
             ProxyUnderTest toTwo = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", two.port()), shared)) {
            try (Pop3TestClient client = loggedIn(toOne)) {
                assertThat(Pop3TestClient.content(client.multi("RETR 1"))).isEqualTo(first);
            }
            try (Pop3TestClient client = loggedIn(toTwo)) {
                assertThat(Pop3TestClient.content(client.multi("RETR 1"))).isEqualTo(second);
            }
        }
    }

    @Test
    void anUpstreamThatStopsAnsweringTimesOut() throws Exception {
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> line.startsWith("RETR") ? "" : "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port())
                     .withCommandTimeout(Duration.ofMillis(300)));
             Pop3TestClient client = loggedIn(proxy)) {
            client.send("RETR 1\r\n");
            assertThat(client.line()).startsWith("-ERR [SYS/TEMP]");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void aResponseLargerThanTheLimitEndsTheSessionCleanly() throws Exception {
        String big = "+OK\r\nSubject: big\r\n\r\n" + ("y".repeat(998) + "\r\n").repeat(2048) + ".\r\n"; // 2 MiB
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> line.startsWith("RETR") ? big : "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, new Pop3UpstreamConfig("127.0.0.1", upstream.port(),
                     Pop3UpstreamConfig.TlsMode.NONE, null, true, 1 << 20, Duration.ofSeconds(5), Duration.ofSeconds(5)));
             Pop3TestClient client = loggedIn(proxy)) {
            client.send("RETR 1\r\n");
            assertThat(client.line()).startsWith("-ERR [SYS/TEMP]");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void anUpstreamThatSendsDataAfterItsStlsReplyIsRefusedBeforeAnyCredential() throws Exception {
        SslContext trustAll = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        try (ScriptedPop3Server upstream = new ScriptedPop3Server("+OK ready\r\n", line -> switch (line) {
            case "CAPA" -> "+OK\r\nUSER\r\nSTLS\r\n.\r\n";
            case "STLS" -> "+OK go ahead\r\n+OK injected\r\n"; // a man in the middle's line, before the handshake
            default -> "+OK\r\n";
        });
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port())
                     .withTls(Pop3UpstreamConfig.TlsMode.STLS, trustAll, false));
             Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            assertThat(client.line()).isEqualTo("-ERR [SYS/TEMP] Service not available, try again later\r\n");
            assertThat(client.closedByPeer()).isTrue();
            assertThat(upstream.received).containsExactly("CAPA", "STLS");
        }
    }

    @Test
    void anUpstreamWithoutStlsIsRefusedWhenStlsIsConfigured() throws Exception {
        SslContext trustAll = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", upstream.port())
                     .withTls(Pop3UpstreamConfig.TlsMode.STLS, trustAll, false));
             Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            assertThat(client.line()).startsWith("-ERR [SYS/TEMP]");
            assertThat(upstream.received).containsExactly("CAPA");
        }
    }

    @Test
    void aRefusingGreetingOrAnUnencryptedLinkWithoutPermissionSendsNoCredentials() throws Exception {
        try (ScriptedPop3Server refusing = new ScriptedPop3Server("-ERR go away\r\n", line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, Pop3UpstreamConfig.plain("127.0.0.1", refusing.port()));
             Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            assertThat(client.line()).startsWith("-ERR [SYS/TEMP]");
            assertThat(refusing.received).isEmpty();
        }
        try (ScriptedPop3Server upstream = ScriptedPop3Server.loggingIn(line -> "+OK\r\n");
             ProxyUnderTest proxy = new ProxyUnderTest(OPEN, new Pop3UpstreamConfig("127.0.0.1", upstream.port(),
                     Pop3UpstreamConfig.TlsMode.NONE, null, false, 1 << 20, Duration.ofSeconds(5), Duration.ofSeconds(5)));
             Pop3TestClient client = connect(proxy)) {
            assertThat(client.command("USER bob")).startsWith("+OK");
            assertThat(client.command("PASS pw")).startsWith("-ERR [SYS/PERM]");
            assertThat(upstream.received).containsExactly("CAPA");
        }
    }
}
