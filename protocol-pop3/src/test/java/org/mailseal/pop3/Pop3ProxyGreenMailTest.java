package org.mailseal.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy in front of GreenMail's POP3, over real sockets, with stand-in cryptography. (GreenMail still serves a
 * message after DELE, and deletes when a connection drops: the UPDATE state semantics are tested against Dovecot.)
 */
class Pop3ProxyGreenMailTest {
    static final String PLAIN = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: plain\r\n"
            + "Message-ID: <plain@example.org>\r\n\r\nNot a secret.\r\n";
    /** Lines that start with a dot, and one that is a dot alone: all must come out stuffed, and back unstuffed. */
    static final String SECRET = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: the real subject\r\n"
            + "Message-ID: <secret@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "\r\nThe secret text.\r\n.A line with a leading dot.\r\n.\r\n..two dots\r\nlast line\r\n";

    private final GreenMail store = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", "pop3").dynamicPort(), new ServerSetup(0, "127.0.0.1", "imap").dynamicPort()});
    private ProxyUnderTest proxy;

    @BeforeEach
    void start() throws Exception {
        store.start();
        store.setUser("bob@example.org", "bob@example.org", "bob-pw");
        ImapAppender.append(store.getImap().getPort(), "bob@example.org", "bob-pw", PLAIN, FakeCrypto.encrypt(SECRET),
                FakeCrypto.encrypt(SECRET).replace("FAKE-CIPHERTEXT", "DAMAGED"));
        proxy = new ProxyUnderTest(Pop3SessionConfig.defaults("pop3.example.org").withLoginWithoutTls(true),
                Pop3UpstreamConfig.plain("127.0.0.1", store.getPop3().getPort()));
    }

    @AfterEach
    void stop() {
        proxy.close();
        store.stop();
    }

    private Pop3TestClient loggedIn() throws IOException {
        Pop3TestClient client = new Pop3TestClient(proxy.port());
        assertThat(client.line()).isEqualTo("+OK pop3.example.org POP3 mailseal ready\r\n");
        assertThat(client.command("USER bob@example.org")).startsWith("+OK");
        assertThat(client.command("PASS bob-pw")).startsWith("+OK");
        return client;
    }

    private Pop3TestClient direct() throws IOException {
        Pop3TestClient client = new Pop3TestClient(store.getPop3().getPort());
        client.line();
        client.command("USER bob@example.org");
        client.command("PASS bob-pw");
        return client;
    }

    @Test
    void anEncryptedMessageReadsAsItsPlaintextDotStuffedAndAPlainOnePassesUnchanged() throws IOException {
        String plainDirect;
        String damagedDirect;
        try (Pop3TestClient direct = direct()) {
            plainDirect = direct.multi("RETR 1");
            damagedDirect = direct.multi("RETR 3");
        }
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.multi("RETR 1")).isEqualTo(plainDirect);
            String secret = client.multi("RETR 2");
            assertThat(secret).startsWith("+OK " + SECRET.length() + " octets\r\n")
                    .contains("\r\n..A line with a leading dot.\r\n..\r\n...two dots\r\n")
                    .endsWith("last line\r\n.\r\n");
            assertThat(Pop3TestClient.content(secret)).isEqualTo(SECRET);
            // Not ours to open: as stored, no partial plaintext.
            assertThat(client.multi("RETR 3")).isEqualTo(damagedDirect).doesNotContain("The secret text");
            assertThat(proxy.crypto.lastUser).isEqualTo("bob@example.org");
            assertThat(proxy.crypto.lastPassword).isEqualTo("bob-pw");
        }
    }

    @Test
    void topCutsTheDecryptedMessageAndPassesAPlainOnesThrough() throws IOException {
        String plainTop;
        try (Pop3TestClient direct = direct()) {
            plainTop = direct.multi("TOP 1 0");
        }
        String header = SECRET.substring(0, SECRET.indexOf("\r\n\r\n") + 4);
        try (Pop3TestClient client = loggedIn()) {
            assertThat(Pop3TestClient.content(client.multi("TOP 2 0"))).isEqualTo(header);
            assertThat(Pop3TestClient.content(client.multi("TOP 2 2")))
                    .isEqualTo(header + "The secret text.\r\n.A line with a leading dot.\r\n");
            assertThat(Pop3TestClient.content(client.multi("TOP 2 100"))).isEqualTo(SECRET);
            assertThat(client.multi("TOP 1 0")).isEqualTo(plainTop);
        }
        // From the cache in a later session: the same answers, no decryption.
        try (Pop3TestClient client = loggedIn()) {
            assertThat(Pop3TestClient.content(client.multi("TOP 2 0"))).isEqualTo(header);
            assertThat(Pop3TestClient.content(client.multi("RETR 2"))).isEqualTo(SECRET);
        }
        assertThat(proxy.crypto.opened).containsOnlyOnce(SECRET);
    }

    @Test
    void listAndStatReportTheDecryptedSizeOnceItIsKnown() throws IOException {
        String storedList;
        String storedStat;
        try (Pop3TestClient direct = direct()) {
            storedList = direct.multi("LIST");
            storedStat = direct.command("STAT");
        }
        int storedSize = Integer.parseInt(storedList.split("\r\n")[2].split(" ")[1]);
        long storedTotal = Long.parseLong(storedStat.trim().split(" ")[2]);
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.multi("LIST")).isEqualTo(storedList); // nothing known yet: as the server says
            assertThat(client.command("STAT")).isEqualTo(storedStat);
            client.multi("RETR 2");
            assertThat(client.command("LIST 2")).isEqualTo("+OK 2 " + SECRET.length() + "\r\n");
            assertThat(client.multi("LIST")).contains("\r\n2 " + SECRET.length() + "\r\n");
        }
        try (Pop3TestClient client = loggedIn()) { // another session: the size is remembered by UIDL
            assertThat(client.command("LIST 2")).isEqualTo("+OK 2 " + SECRET.length() + "\r\n");
            assertThat(client.command("STAT"))
                    .isEqualTo("+OK 3 " + (storedTotal - storedSize + SECRET.length()) + "\r\n");
            String list = client.multi("LIST");
            assertThat(list.split("\r\n")[1]).isEqualTo(storedList.split("\r\n")[1]); // message 1 unchanged
        }
    }

    @Test
    void uidlsPassThroughAndStayTheSame() throws IOException {
        String direct;
        try (Pop3TestClient client = direct()) {
            direct = client.multi("UIDL");
        }
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.multi("UIDL")).isEqualTo(direct);
            assertThat(client.command("UIDL 2")).isEqualTo("+OK " + direct.split("\r\n")[2] + "\r\n");
        }
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.multi("UIDL")).isEqualTo(direct);
        }
    }

    @Test
    void deleThenQuitDeletesAndRsetUndoes() throws IOException {
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.command("DELE 1")).startsWith("+OK");
            assertThat(client.command("RSET")).startsWith("+OK");
            assertThat(client.command("QUIT")).startsWith("+OK");
            assertThat(client.closedByPeer()).isTrue();
        }
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.command("STAT")).startsWith("+OK 3 ");
            assertThat(client.command("DELE 1")).startsWith("+OK");
            assertThat(client.command("QUIT")).startsWith("+OK");
        }
        try (Pop3TestClient client = loggedIn()) {
            assertThat(client.command("STAT")).startsWith("+OK 2 ");
            assertThat(Pop3TestClient.content(client.multi("RETR 1"))).isEqualTo(SECRET); // renumbered
        }
    }

    /**
     * TLS on both legs, each way: a client using STLS, through a proxy whose upstream is implicit TLS (another
     * proxy's listener), and a client using implicit TLS, through a proxy whose upstream uses STLS.
     */
    @Test
    void tlsOnBothLegsWithStlsOrImplicitTls() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
        try {
            SslContext server = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
            SslContext trusting = SslContextBuilder.forClient().trustManager(certificate.cert()).build();
            Pop3UpstreamConfig greenMail = Pop3UpstreamConfig.plain("127.0.0.1", store.getPop3().getPort());
            Pop3SessionConfig open = Pop3SessionConfig.defaults("localhost").withLoginWithoutTls(true);
            try (ProxyUnderTest implicitFront = new ProxyUnderTest(open.withTls(server, true), greenMail);
                 ProxyUnderTest stlsFront = new ProxyUnderTest(open.withTls(server, false), greenMail);
                 ProxyUnderTest viaImplicit = new ProxyUnderTest(Pop3SessionConfig.defaults("localhost")
                         .withTls(server, false), upstreamAt(implicitFront, Pop3UpstreamConfig.TlsMode.IMPLICIT, trusting));
                 ProxyUnderTest viaStls = new ProxyUnderTest(Pop3SessionConfig.defaults("localhost").withTls(server, true),
                         upstreamAt(stlsFront, Pop3UpstreamConfig.TlsMode.STLS, trusting))) {
                SSLContext client = SSLContext.getInstance("TLS");
                client.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
                try (Socket plain = new Socket("127.0.0.1", viaImplicit.port())) {
                    plain.setSoTimeout(10_000);
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(plain.getInputStream()));
                    assertThat(in.readLine()).startsWith("+OK");
                    plain.getOutputStream().write("STLS\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).startsWith("+OK");
                    try (SSLSocket secure = (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1",
                            viaImplicit.port(), true)) {
                        assertThat(retrOverTls(secure, false)).isEqualTo(SECRET);
                    }
                }
                try (SSLSocket secure = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1",
                        viaStls.port())) {
                    assertThat(retrOverTls(secure, true)).isEqualTo(SECRET);
                }
                // The same trusted certificate under a name it does not carry: refused, no credentials sent.
                try (ProxyUnderTest wrongName = new ProxyUnderTest(open, new Pop3UpstreamConfig("127.0.0.1",
                        implicitFront.port(), Pop3UpstreamConfig.TlsMode.IMPLICIT, trusting, false, 1 << 20,
                        Duration.ofSeconds(10), Duration.ofSeconds(10)));
                     Pop3TestClient refused = new Pop3TestClient(wrongName.port())) {
                    assertThat(refused.line()).startsWith("-ERR [SYS/TEMP]");
                }
            }
        } finally {
            certificate.delete();
        }
    }

    private static Pop3UpstreamConfig upstreamAt(ProxyUnderTest proxy, Pop3UpstreamConfig.TlsMode mode, SslContext tls) {
        // "localhost": the name in the certificate, which the upstream's certificate is checked against.
        return new Pop3UpstreamConfig("localhost", proxy.port(), mode, tls, false, 1 << 20, Duration.ofSeconds(10),
                Duration.ofSeconds(10));
    }

    /** Logs in as bob over a TLS socket and returns the content of RETR 2. */
    private static String retrOverTls(SSLSocket socket, boolean greeting) throws IOException {
        socket.setSoTimeout(10_000);
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                StandardCharsets.ISO_8859_1));
        var out = socket.getOutputStream();
        if (greeting) {
            assertThat(in.readLine()).startsWith("+OK");
        }
        StringBuilder response = new StringBuilder();
        out.write("USER bob@example.org\r\nPASS bob-pw\r\nRETR 2\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(in.readLine()).startsWith("+OK");
        assertThat(in.readLine()).as("login through both legs").startsWith("+OK");
        assertThat(in.readLine()).startsWith("+OK");
        for (String line = in.readLine(); !line.equals("."); line = in.readLine()) {
            response.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        return response.toString();
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws IOException {
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            client.send("USER bob@example.org\r\nPASS bob-pw\r\nSTAT\r\nRETR 2\r\nLIST 1\r\nNOOP\r\nQUIT\r\n");
            assertThat(client.line()).startsWith("+OK");
            assertThat(client.line()).startsWith("+OK");
            assertThat(client.line()).startsWith("+OK 3 ");
            assertThat(Pop3TestClient.content(client.rest())).isEqualTo(SECRET);
            assertThat(client.line()).startsWith("+OK 1 ");
            assertThat(client.line()).startsWith("+OK");
            assertThat(client.line()).startsWith("+OK");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void capaListsOnlyWhatWorksEndToEnd() throws IOException {
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            List<String> before = List.of(client.multi("CAPA").split("\r\n"));
            assertThat(before.get(0)).startsWith("+OK");
            assertThat(before.subList(1, before.size() - 1))
                    .isSubsetOf("TOP", "UIDL", "USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                            "STLS")
                    .contains("SASL PLAIN", "PIPELINING") // GreenMail lists SASL PLAIN and UIDL, not USER or TOP
                    .doesNotContain("STLS"); // no TLS on this listener
            assertThat(client.command("USER bob@example.org")).startsWith("+OK");
            assertThat(client.command("PASS bob-pw")).startsWith("+OK");
            List<String> after = List.of(client.multi("CAPA").split("\r\n"));
            assertThat(after).doesNotContain("USER", "SASL PLAIN", "STLS").contains("PIPELINING");
        }
    }

    @Test
    void authPlainLogsInWithAnInitialResponseOrAfterTheContinuation() throws IOException {
        String plain = java.util.Base64.getEncoder().encodeToString("\0bob@example.org\0bob-pw".getBytes());
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            assertThat(client.command("AUTH PLAIN " + plain)).startsWith("+OK");
            assertThat(Pop3TestClient.content(client.multi("RETR 2"))).isEqualTo(SECRET);
        }
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            assertThat(client.command("AUTH PLAIN")).isEqualTo("+ \r\n");
            assertThat(client.command(plain)).startsWith("+OK");
            assertThat(client.command("STAT")).startsWith("+OK 3 ");
        }
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            assertThat(client.command("AUTH PLAIN")).isEqualTo("+ \r\n");
            assertThat(client.command("*")).startsWith("-ERR");
            assertThat(client.command("AUTH CRAM-MD5")).startsWith("-ERR");
            assertThat(client.command("AUTH PLAIN !!!notbase64")).startsWith("-ERR");
            String other = java.util.Base64.getEncoder().encodeToString("eve\0bob@example.org\0bob-pw".getBytes());
            assertThat(client.command("AUTH PLAIN " + other)).startsWith("-ERR [AUTH]");
            assertThat(client.command("STAT")).startsWith("-ERR");
        }
    }

    @Test
    void aWrongPasswordIsRefusedAndUnlocksNothing() throws IOException {
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            assertThat(client.command("USER bob@example.org")).startsWith("+OK");
            assertThat(client.command("PASS wrong")).startsWith("-ERR");
            assertThat(client.command("STAT")).startsWith("-ERR");
            assertThat(client.command("PASS bob-pw")).startsWith("-ERR"); // USER first, again
            assertThat(client.command("USER bob@example.org")).startsWith("+OK");
            assertThat(client.command("PASS bob-pw")).startsWith("+OK");
        }
        assertThat(proxy.crypto.lastPassword).isEqualTo("bob-pw");
    }
}
