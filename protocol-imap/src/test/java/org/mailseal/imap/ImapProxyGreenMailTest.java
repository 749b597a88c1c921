package org.mailseal.imap;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy in front of GreenMail, over real sockets, with stand-in cryptography. */
class ImapProxyGreenMailTest {
    static final String PLAIN = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: plain\r\n"
            + "Message-ID: <plain@example.org>\r\n\r\nNot a secret.\r\n";
    static final String SECRET = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: the real subject\r\n"
            + "Message-ID: <secret@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "\r\nThe secret text.\r\n.A line with a leading dot.\r\n";

    private final GreenMail store = new GreenMail(new ServerSetup(0, "127.0.0.1", "imap").dynamicPort());
    private final FakeCrypto crypto = new FakeCrypto();
    private EventLoopGroup group;
    private Channel listener;
    private int port;

    @BeforeEach
    void start() throws Exception {
        store.start();
        store.setUser("bob@example.org", "bob@example.org", "bob-pw");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ImapSessionConfig config = ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true);
        ImapUpstreamConfig upstream = ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort());
        listener = ImapListener.bind(group, group, NioServerSocketChannel.class, NioSocketChannel.class,
                new InetSocketAddress("127.0.0.1", 0), config, upstream, crypto,
                new DecryptedMessages(16 << 20, Duration.ofMinutes(5)), null);
        port = ((InetSocketAddress) listener.localAddress()).getPort();
        try (ImapTestClient direct = new ImapTestClient(store.getImap().getPort())) {
            direct.greeting();
            direct.command("a", "LOGIN bob@example.org bob-pw");
            append(direct, PLAIN);
            append(direct, FakeCrypto.encrypt(SECRET));
            append(direct, FakeCrypto.encrypt(SECRET).replace("FAKE-CIPHERTEXT", "DAMAGED"));
        }
    }

    private static void append(ImapTestClient client, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        client.send("ap APPEND INBOX {" + bytes.length + "}\r\n");
        assertThat(client.line()).startsWith("+");
        client.send(bytes);
        client.send("\r\n");
        assertThat(client.until("ap")).contains("ap OK");
    }

    @AfterEach
    void stop() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        store.stop();
    }

    private ImapTestClient loggedIn() throws IOException {
        ImapTestClient client = new ImapTestClient(port);
        assertThat(client.greeting()).startsWith("* OK [CAPABILITY IMAP4rev1");
        assertThat(client.command("l", "LOGIN bob@example.org bob-pw")).contains("l OK [CAPABILITY IMAP4rev1");
        assertThat(client.command("s", "SELECT INBOX")).contains("* 3 EXISTS").contains("s OK");
        return client;
    }

    @Test
    void anEncryptedMessageReadsAsItsPlaintextAndAPlainOnePassesUnchanged() throws IOException {
        try (ImapTestClient client = loggedIn(); ImapTestClient direct = new ImapTestClient(store.getImap().getPort())) {
            String secret = client.command("f", "FETCH 2 (RFC822.SIZE BODY.PEEK[])");
            assertThat(secret).startsWith("* 2 FETCH (RFC822.SIZE " + SECRET.length() + " BODY[] {" + SECRET.length()
                    + "}\r\n" + SECRET + ")\r\n");
            assertThat(secret).doesNotContain("FAKE-CIPHERTEXT").doesNotContain("UID").doesNotContain("BODYSTRUCTURE");
            assertThat(crypto.lastPassword).isEqualTo("bob-pw");

            direct.greeting();
            direct.command("l", "LOGIN bob@example.org bob-pw");
            direct.command("s", "SELECT INBOX");
            String viaProxy = client.command("g", "FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[])");
            String straight = direct.command("g", "FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[])");
            assertThat(viaProxy).isEqualTo(straight);
        }
    }

    @Test
    void aMessageThatDoesNotOpenIsPassedThroughAsStored() throws IOException {
        try (ImapTestClient client = loggedIn()) {
            String damaged = client.command("f", "FETCH 3 BODY.PEEK[]");
            assertThat(damaged).contains("DAMAGED").doesNotContain("The secret text");
        }
    }

    @Test
    void headerAndTextSectionsAndPartialFetchesComeFromThePlaintext() throws IOException {
        try (ImapTestClient client = loggedIn()) {
            String header = SECRET.substring(0, SECRET.indexOf("\r\n\r\n") + 4);
            String text = SECRET.substring(header.length());
            assertThat(client.command("h", "UID FETCH 2 (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<4.6>)"))
                    .contains("BODY[HEADER] {" + header.length() + "}\r\n" + header)
                    .contains("BODY[TEXT]<4> {6}\r\n" + text.substring(4, 10))
                    .contains("UID 2");
        }
    }

    @Test
    void aNonPeekFetchSetsSeenAndReportsTheFlagsAPeekDoesNot() throws IOException {
        try (ImapTestClient client = loggedIn()) {
            assertThat(client.command("p", "FETCH 2 (FLAGS BODY.PEEK[TEXT])")).contains("FLAGS ()");
            assertThat(client.command("q", "FETCH 2 FLAGS")).doesNotContain("\\Seen");
            assertThat(client.command("r", "FETCH 2 BODY[TEXT]")).contains("\\Seen").contains("The secret text");
            assertThat(client.command("t", "FETCH 2 FLAGS")).contains("\\Seen");
        }
    }

    @Test
    void anAppendedMessageIsStoredEncryptedAndReadsBackAsWritten() throws IOException {
        String draft = "From: bob@example.org\r\nSubject: draft\r\n\r\nNot sent yet.\r\n";
        try (ImapTestClient client = loggedIn(); ImapTestClient direct = new ImapTestClient(store.getImap().getPort())) {
            client.send("a APPEND INBOX (\\Draft) \"28-Nov-2026 10:00:00 +0000\" {" + draft.length() + "}\r\n");
            assertThat(client.line()).startsWith("+");
            client.send(draft + "\r\n");
            assertThat(client.until("a")).contains("a OK");
            direct.greeting();
            direct.command("l", "LOGIN bob@example.org bob-pw");
            direct.command("s", "SELECT INBOX");
            String stored = direct.command("f", "FETCH 4 (FLAGS INTERNALDATE BODY.PEEK[])");
            assertThat(stored).contains("FAKE-CIPHERTEXT").doesNotContain("Not sent yet").contains("\\Draft")
                    .contains("28-Nov-2026 10:00:00 +0000");
            assertThat(client.command("g", "FETCH 4 BODY.PEEK[]")).contains("{" + draft.length() + "}\r\n" + draft);
        }
    }

    @Test
    void appendsToAMailboxConfiguredForPlaintextAreStoredAsTheyCome() throws Exception {
        String draft = "From: bob@example.org\r\nSubject: draft\r\n\r\nNot sent yet.\r\n";
        try (ProxyUnderTest plainDrafts = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org")
                .withLoginWithoutTls(true).withPlaintextAppends(java.util.Set.of("Drafts")),
                ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort()));
             ImapTestClient client = new ImapTestClient(plainDrafts.port());
             ImapTestClient direct = new ImapTestClient(store.getImap().getPort())) {
            client.greeting();
            client.command("l", "LOGIN bob@example.org bob-pw");
            client.command("c", "CREATE Drafts");
            for (String mailbox : new String[] {"Drafts", "INBOX"}) {
                client.send("a APPEND " + mailbox + " {" + draft.length() + "}\r\n");
                assertThat(client.line()).startsWith("+");
                client.send(draft + "\r\n");
                assertThat(client.until("a")).contains("a OK");
            }
            direct.greeting();
            direct.command("l", "LOGIN bob@example.org bob-pw");
            direct.command("s", "SELECT Drafts");
            assertThat(direct.command("f", "FETCH 1 BODY.PEEK[]")).contains(draft);
            direct.command("s", "SELECT INBOX");
            assertThat(direct.command("f", "FETCH 4 BODY.PEEK[]")).contains("FAKE-CIPHERTEXT").doesNotContain("Not sent");
        }
    }

    /** A FETCH of many encrypted messages holds only a few decryptions (and their ciphertexts, 8 MiB) at once. */
    @Test
    void manyEncryptedMessagesAreReadFromTheServerOnlyAsFastAsTheyAreDecrypted() throws Exception {
        try (ImapTestClient direct = new ImapTestClient(store.getImap().getPort())) {
            direct.greeting();
            direct.command("l", "LOGIN bob@example.org bob-pw");
            String large = SECRET + "x".repeat(300_000) + "\r\n"; // about 400 KB of "ciphertext" each
            for (int i = 0; i < 60; i++) {
                append(direct, FakeCrypto.encrypt(large));
            }
        }
        java.util.concurrent.LinkedBlockingQueue<Runnable> held = new java.util.concurrent.LinkedBlockingQueue<>();
        MailboxCrypto holding = (user, password) -> crypto.unlock(user, password).thenApply(keys -> new MailboxCrypto.MailboxKeys() {
            @Override
            public java.util.concurrent.CompletionStage<java.util.Optional<byte[]>> decrypt(byte[] message) {
                java.util.concurrent.CompletableFuture<java.util.Optional<byte[]>> later = new java.util.concurrent.CompletableFuture<>();
                held.add(() -> keys.decrypt(message).thenAccept(later::complete));
                return later;
            }

            @Override
            public java.util.concurrent.CompletionStage<java.util.Optional<byte[]>> encryptForStorage(String box, byte[] m) {
                return keys.encryptForStorage(box, m);
            }

            @Override
            public void close() {
                keys.close();
            }
        });
        try (ProxyUnderTest slow = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort()), holding);
             ImapTestClient client = new ImapTestClient(slow.port())) {
            client.greeting();
            client.command("l", "LOGIN bob@example.org bob-pw");
            client.command("s", "SELECT INBOX");
            client.send("f FETCH 1:* BODY.PEEK[]\r\n");
            // The client reads all along (a client that stops reading is backpressure of its own).
            java.util.concurrent.CompletableFuture<String> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return client.until("f");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // Take the decryptions as they start, without finishing any, until no more start: the proxy stopped reading.
            java.util.List<Runnable> started = new java.util.ArrayList<>();
            for (Runnable next = held.poll(5, java.util.concurrent.TimeUnit.SECONDS); next != null;
                    next = held.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                started.add(next);
            }
            assertThat(started).hasSizeBetween(1, 2 + 8 * 1024 * 1024 / 400_000 + 1); // two small ones first
            started.forEach(Runnable::run);
            long giveUp = System.nanoTime() + 30_000_000_000L; // a bound, should it hang
            while (!answer.isDone() && System.nanoTime() < giveUp) { // the rest, each as it starts, to the answer
                Runnable next = held.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (next != null) {
                    next.run();
                }
            }
            assertThat(answer.get(5, java.util.concurrent.TimeUnit.SECONDS)).contains("* 63 FETCH")
                    .endsWith("f OK FETCH completed.\r\n");
        }
    }

    @Test
    void idleReportsAMessageArrivingMeanwhileAndDoneEndsIt() throws IOException {
        try (ImapTestClient client = loggedIn(); ImapTestClient other = new ImapTestClient(store.getImap().getPort())) {
            client.send("i IDLE\r\n");
            assertThat(client.line()).startsWith("+ ");
            other.greeting();
            other.command("l", "LOGIN bob@example.org bob-pw");
            append(other, FakeCrypto.encrypt(SECRET));
            assertThat(client.line()).isEqualTo("* 4 EXISTS\r\n");
            client.send("DONE\r\n");
            assertThat(client.until("i")).endsWith("i OK IDLE completed.\r\n");
            assertThat(client.command("f", "FETCH 4 BODY.PEEK[TEXT]")).contains("The secret text.");
        }
    }

    @Test
    void searchesOverContentSeeThePlaintextOfEncryptedMessages() throws IOException {
        try (ImapTestClient client = loggedIn()) {
            assertThat(client.command("a", "SEARCH SUBJECT \"real subject\"")).startsWith("* SEARCH 2\r\n");
            assertThat(client.command("b", "UID SEARCH BODY \"leading dot\"")).startsWith("* SEARCH 2\r\n");
            assertThat(client.command("c", "SEARCH OR SUBJECT plain TEXT \"secret text\"")).startsWith("* SEARCH 1 2\r\n");
            assertThat(client.command("d", "SEARCH NOT SUBJECT \"real\" UNSEEN")).startsWith("* SEARCH 1 3\r\n");
            assertThat(client.command("e", "SEARCH CHARSET X-UNKNOWN SUBJECT x"))
                    .isEqualTo("e NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n");
        }
    }

    /**
     * A whole message in the cache costs no transfer of its ciphertext; plaintext ones still come in whole. The first
     * fetch of a mailbox with nothing cached asks for the messages at once.
     */
    @Test
    void aCachedMessageFetchedWholeIsNotTransferredAgain() throws Exception {
        try (WireTap tap = new WireTap(store.getImap().getPort(), false);
             ProxyUnderTest counted = new ProxyUnderTest(ImapSessionConfig.defaults("imap.example.org")
                     .withLoginWithoutTls(true), ImapUpstreamConfig.plain("127.0.0.1", tap.port()));
             ImapTestClient client = new ImapTestClient(counted.port())) {
            client.greeting();
            client.command("l", "LOGIN bob@example.org bob-pw");
            client.command("s", "SELECT INBOX");
            int before = tap.fromUpstreamText.length();
            String cold = client.command("a", "FETCH 1:2 (FLAGS BODY.PEEK[])");
            int afterCold = tap.fromUpstreamText.length();
            String warm = client.command("b", "FETCH 1:2 (FLAGS BODY.PEEK[])");
            assertThat(warm.replace("b OK", "a OK")).isEqualTo(cold);
            assertThat(cold).contains(SECRET).contains(PLAIN);
            String ciphertext = FakeCrypto.encrypt(SECRET);
            assertThat(tap.fromUpstreamText.substring(before, afterCold)).contains(ciphertext).contains(PLAIN);
            // the plaintext one, not the ciphertext
            assertThat(tap.fromUpstreamText.substring(afterCold)).doesNotContain(ciphertext).contains(PLAIN);
            // Cold, the messages were asked for at once; warm, only the plaintext one was, by UID after a first step.
            String commands = tap.toUpstream.toString();
            assertThat(commands).contains("a FETCH 1:2 (FLAGS BODY.PEEK[] UID)\r\n")
                    .contains("b FETCH 1:2 (FLAGS UID BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)])\r\n")
                    .containsPattern("UID FETCH \\d+ \\(UID BODY.PEEK\\[\\]\\)\r\n");
            assertThat(commands.split("UID BODY.PEEK\\[\\]", -1)).hasSize(2);
        }
    }

    /** Listeners in front of different servers share one cache: the same login and UID at each are different messages. */
    @Test
    void listenersThatShareTheCacheNeverServeOneServersMessageForAnothers() throws Exception {
        GreenMail other = new GreenMail(new ServerSetup(0, "127.0.0.1", "imap").dynamicPort());
        other.start();
        other.setUser("bob@example.org", "bob@example.org", "bob-pw");
        String elsewhere = SECRET.replace("The secret text.", "Another server's secret.");
        try (ImapTestClient direct = new ImapTestClient(other.getImap().getPort())) {
            direct.greeting();
            direct.command("a", "LOGIN bob@example.org bob-pw");
            append(direct, PLAIN);
            append(direct, FakeCrypto.encrypt(elsewhere));
        }
        DecryptedMessages shared = new DecryptedMessages(16 << 20, Duration.ofMinutes(5));
        ImapSessionConfig config = ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true);
        try (ProxyUnderTest first = new ProxyUnderTest(config,
                     ImapUpstreamConfig.plain("127.0.0.1", store.getImap().getPort()), crypto, shared);
             ProxyUnderTest second = new ProxyUnderTest(config,
                     ImapUpstreamConfig.plain("127.0.0.1", other.getImap().getPort()), crypto, shared)) {
            for (ProxyUnderTest proxy : List.of(first, second)) {
                try (ImapTestClient client = new ImapTestClient(proxy.port())) {
                    client.greeting();
                    client.command("l", "LOGIN bob@example.org bob-pw");
                    client.command("s", "SELECT INBOX"); // UIDVALIDITY and UID alike at both GreenMails
                    String text = client.command("f", "UID FETCH 2 BODY.PEEK[TEXT]");
                    assertThat(text).contains(proxy == first ? "The secret text." : "Another server's secret.");
                }
            }
        } finally {
            other.stop();
        }
    }

    @Test
    void theSecondFetchOfAMessageIsServedFromTheCache() throws IOException {
        try (ImapTestClient client = loggedIn()) {
            client.command("a", "FETCH 2 BODY.PEEK[]");
            client.command("b", "FETCH 2 RFC822.SIZE");
            assertThat(crypto.decryptions).hasValue(1);
        }
    }
}
