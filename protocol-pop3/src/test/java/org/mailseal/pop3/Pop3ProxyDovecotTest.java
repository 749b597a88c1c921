package org.mailseal.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.pop3.testing.Fetchmail;
import org.mailseal.pop3.testing.ThrowawayDovecot;

/**
 * The proxy in front of a real Dovecot POP3 server (recipe in shared/recipes), with stand-in cryptography: the
 * maildrop holds a plaintext message, an encrypted one and a damaged one, refilled for every test in an account of
 * its own.
 */
class Pop3ProxyDovecotTest {
    private static final String PLAIN = Pop3ProxyGreenMailTest.PLAIN;
    private static final String SECRET = Pop3ProxyGreenMailTest.SECRET;
    private static final String DAMAGED = FakeCrypto.encrypt(SECRET).replace("FAKE-CIPHERTEXT", "DAMAGED");
    private static final int ACCOUNTS = 10;
    private static ThrowawayDovecot dovecot;
    private static int nextAccount;

    private ProxyUnderTest proxy;
    private String user;

    @BeforeAll
    static void startDovecot() throws Exception {
        assumeTrue(ThrowawayDovecot.installed(), "dovecot is not installed");
        List<String> accounts = new java.util.ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            accounts.add("user" + i + "@example.org:pw" + i);
        }
        dovecot = ThrowawayDovecot.start("pop3-proxy", accounts);
    }

    @AfterAll
    static void stopDovecot() throws IOException {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @BeforeEach
    void fill() throws Exception {
        int account = nextAccount++;
        assertThat(account).as("accounts left").isLessThan(ACCOUNTS);
        user = "user" + account + "@example.org";
        ImapAppender.append(dovecot.imapPort(), user, password(), PLAIN, FakeCrypto.encrypt(SECRET), DAMAGED);
        proxy = new ProxyUnderTest(Pop3SessionConfig.defaults("pop3.example.org").withLoginWithoutTls(true),
                Pop3UpstreamConfig.plain("127.0.0.1", dovecot.pop3Port()));
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private String password() {
        return "pw" + user.substring(4, user.indexOf('@'));
    }

    private Pop3TestClient loggedIn(int port) throws IOException {
        Pop3TestClient client = new Pop3TestClient(port);
        assertThat(client.line()).startsWith("+OK");
        assertThat(client.command("USER " + user)).startsWith("+OK");
        assertThat(client.command("PASS " + password())).startsWith("+OK");
        return client;
    }

    @Test
    void retrAndTopAnswerWithThePlaintextAndPassPlainAndDamagedMessagesThrough() throws IOException {
        String plainDirect;
        String plainTop;
        String damagedDirect;
        try (Pop3TestClient direct = loggedIn(dovecot.pop3Port())) {
            plainDirect = direct.multi("RETR 1");
            plainTop = direct.multi("TOP 1 0");
            damagedDirect = direct.multi("RETR 3");
        }
        assertThat(Pop3TestClient.content(plainDirect)).isEqualTo(PLAIN);
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.multi("RETR 1")).isEqualTo(plainDirect);
            assertThat(client.multi("TOP 1 0")).isEqualTo(plainTop);
            String header = SECRET.substring(0, SECRET.indexOf("\r\n\r\n") + 4);
            assertThat(Pop3TestClient.content(client.multi("TOP 2 0"))).isEqualTo(header);
            assertThat(Pop3TestClient.content(client.multi("TOP 2 3")))
                    .isEqualTo(header + "The secret text.\r\n.A line with a leading dot.\r\n.\r\n");
            String secret = client.multi("RETR 2");
            assertThat(secret).startsWith("+OK " + SECRET.length() + " octets\r\n").contains("\r\n..\r\n");
            assertThat(Pop3TestClient.content(secret)).isEqualTo(SECRET);
            assertThat(client.multi("RETR 3")).isEqualTo(damagedDirect);
            assertThat(client.command("RETR 4")).startsWith("-ERR");
        }
    }

    @Test
    void listOfOneEncryptedMessageIsTheSizeItsRetrGives() throws IOException {
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.command("LIST 2")).isEqualTo("+OK 2 " + SECRET.length() + "\r\n");
            assertThat(client.command("LIST 1")).isEqualTo("+OK 1 " + PLAIN.length() + "\r\n");
            assertThat(client.multi("LIST")).isEqualTo("+OK 3 messages:\r\n1 " + PLAIN.length() + "\r\n2 "
                    + SECRET.length() + "\r\n3 " + DAMAGED.length() + "\r\n.\r\n");
            assertThat(client.command("STAT"))
                    .isEqualTo("+OK 3 " + (PLAIN.length() + SECRET.length() + DAMAGED.length()) + "\r\n");
            assertThat(Pop3TestClient.content(client.multi("RETR 2"))).isEqualTo(SECRET);
            assertThat(proxy.crypto.opened).containsOnlyOnce(SECRET); // decrypted once, for LIST 2
        }
    }

    /**
     * Dovecot marks a message \Seen when a session that RETRieved it QUITs. That still happens when mailseal answers
     * RETR from its cache, and learning a size for LIST or answering TOP marks nothing.
     */
    @Test
    void theServerSeesTheClientsRetrsAndNothingElse() throws IOException {
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.command("LIST 2")).isEqualTo("+OK 2 " + SECRET.length() + "\r\n"); // decrypts, caches
            assertThat(Pop3TestClient.content(client.multi("TOP 3 1"))).startsWith("From: someone@example.org");
            assertThat(client.command("QUIT")).startsWith("+OK");
        }
        assertThat(ImapAppender.flags(dovecot.imapPort(), user, password())).containsExactly("1 ()", "2 ()", "3 ()");
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(Pop3TestClient.content(client.multi("RETR 1"))).isEqualTo(PLAIN);
            assertThat(Pop3TestClient.content(client.multi("RETR 2"))).isEqualTo(SECRET); // from the cache
            assertThat(client.command("QUIT")).startsWith("+OK");
        }
        assertThat(ImapAppender.flags(dovecot.imapPort(), user, password()))
                .containsExactly("1 (\\Seen)", "2 (\\Seen)", "3 ()");
        assertThat(proxy.crypto.opened).containsOnlyOnce(SECRET);
    }

    @Test
    void aDeletedMessageIsAnErrorEvenWhenItsPlaintextIsCached() throws IOException {
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(Pop3TestClient.content(client.multi("RETR 2"))).isEqualTo(SECRET);
            assertThat(client.command("DELE 2")).startsWith("+OK");
            assertThat(client.command("RETR 2")).startsWith("-ERR");
            assertThat(client.command("TOP 2 0")).startsWith("-ERR");
            assertThat(client.command("LIST 2")).startsWith("-ERR");
            assertThat(client.command("RSET")).startsWith("+OK");
            assertThat(Pop3TestClient.content(client.multi("RETR 2"))).isEqualTo(SECRET);
        }
        assertThat(proxy.crypto.opened).containsOnlyOnce(SECRET);
    }

    @Test
    void uidlsAreTheServersAndStayTheSame() throws IOException {
        String direct;
        try (Pop3TestClient client = loggedIn(dovecot.pop3Port())) {
            direct = client.multi("UIDL");
        }
        for (int session = 0; session < 2; session++) {
            try (Pop3TestClient client = loggedIn(proxy.port())) {
                client.multi("RETR 2");
                assertThat(client.multi("UIDL")).isEqualTo(direct);
            }
        }
    }

    @Test
    void deleThenQuitDeletesRsetUndoesAndADroppedSessionDeletesNothing() throws IOException {
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.command("DELE 2")).startsWith("+OK");
            assertThat(client.command("RETR 2")).startsWith("-ERR");
            assertThat(client.command("RSET")).startsWith("+OK");
            assertThat(client.multi("RETR 2")).startsWith("+OK");
            assertThat(client.command("DELE 1")).startsWith("+OK");
        } // dropped without QUIT: no UPDATE state (RFC 1939 §6)
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.command("STAT")).startsWith("+OK 3 ");
            assertThat(client.command("DELE 1")).startsWith("+OK");
            assertThat(client.command("QUIT")).startsWith("+OK");
            assertThat(client.closedByPeer()).isTrue();
        }
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.command("STAT")).startsWith("+OK 2 ");
            assertThat(Pop3TestClient.content(client.multi("RETR 1"))).isEqualTo(SECRET);
        }
    }

    @Test
    void capaIsWhatBothTheProxyAndDovecotSupport() throws IOException {
        try (Pop3TestClient client = new Pop3TestClient(proxy.port())) {
            client.line();
            assertThat(client.multi("CAPA")).isEqualTo("+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\n"
                    + "SASL PLAIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n.\r\n");
        }
    }

    @Test
    void fetchmailThroughTheProxyDeliversThePlaintextWithTheSizesItWasTold(@TempDir Path dir) throws Exception {
        assumeTrue(Fetchmail.installed(), "fetchmail is not installed");
        Path mbox = dir.resolve("out.mbox");
        // -v: debug level, where fetchmail would say "was not the expected length" if LIST and RETR disagreed.
        Fetchmail.Run run = Fetchmail.fetch(proxy.port(), user, password(), mbox, "-v");
        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output()).contains("3 messages").doesNotContain("not the expected length");
        String delivered = Files.readString(mbox, StandardCharsets.ISO_8859_1);
        assertThat(delivered).contains(SECRET.replace("\r\n", "\n")).contains(PLAIN.replace("\r\n", "\n"))
                .contains("\nDAMAGED "); // not ours to open: as stored
        try (Pop3TestClient client = loggedIn(proxy.port())) {
            assertThat(client.command("STAT")).isEqualTo("+OK 0 0\r\n"); // fetchmail deleted what it delivered
        }
    }
}
