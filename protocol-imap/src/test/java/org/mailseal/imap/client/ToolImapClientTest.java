package org.mailseal.imap.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.testing.ThrowawayDovecot;

/** The tool client against a real Dovecot: every command the rekey engine uses, and its bounds. */
class ToolImapClientTest {
    private static ThrowawayDovecot dovecot;

    @BeforeAll
    static void start() throws Exception {
        dovecot = ThrowawayDovecot.start("toolclient", List.of("a@example.org:pw\"with\\odd"));
    }

    @AfterAll
    static void stop() throws Exception {
        dovecot.close();
    }

    private static ImapUpstreamConfig config() {
        return ImapUpstreamConfig.plain("127.0.0.1", dovecot.port());
    }

    private static byte[] message(String subject, int bodyBytes) {
        StringBuilder b = new StringBuilder("Subject: " + subject + "\r\nFrom: x@example.org\r\n\r\n");
        while (b.length() < bodyBytes) {
            b.append("line of text\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void appendFetchStoreExpungeRoundTrip() throws Exception {
        try (ToolImapClient client = ToolImapClient.connect(config())) {
            client.login("a@example.org", "pw\"with\\odd".toCharArray()); // a password that needs a literal
            assertTrue(client.hasCapability("UIDPLUS"));
            assertTrue(client.list().contains("INBOX"));
            SelectedMailbox box = client.select("INBOX");
            byte[] first = message("one", 100);
            byte[] second = message("two", 200_000);
            String date = "17-Jul-1996 09:44:25 +0000"; // Maildir keeps the instant, not the zone
            AppendedMessage a1 = client.append("INBOX", List.of("\\Seen", "$Label1"), date, first).orElseThrow();
            AppendedMessage a2 = client.append("INBOX", List.of(), date, second).orElseThrow();
            assertEquals(box.uidValidity(), a1.uidValidity());
            assertTrue(a2.uid() > a1.uid());
            client.select("INBOX");

            StoredMessage m1 = client.fetch(a1.uid()).orElseThrow();
            assertArrayEquals(first, m1.content());
            assertEquals(List.of("\\Seen", "$Label1"), m1.flags());
            assertEquals(date, m1.internalDate());
            assertEquals(first.length, m1.size());
            StoredMessage m2 = client.fetch(a2.uid()).orElseThrow();
            assertArrayEquals(second, m2.content());
            assertEquals(List.of(), m2.flags()); // PEEK: \Seen not set

            client.addFlags(a1.uid(), List.of("\\Deleted"));
            client.addFlags(a2.uid(), List.of("\\Deleted"));
            assertEquals(List.of(a1.uid(), a2.uid()), client.uidSearch("DELETED"));
            client.uidExpunge(a1.uid()); // only that UID goes, though both are \Deleted
            assertEquals(List.of(a2.uid()), client.uidSearch("ALL"));
            assertTrue(client.fetch(a1.uid()).isEmpty());
            client.uidExpunge(a2.uid());
            client.logout();
        }
    }

    @Test
    void literalLargerThanTheBoundIsRefused() throws Exception {
        long uid;
        try (ToolImapClient client = ToolImapClient.connect(config())) {
            client.login("a@example.org", "pw\"with\\odd".toCharArray());
            client.select("INBOX");
            uid = client.append("INBOX", List.of(), "01-Jan-2020 00:00:00 +0000", message("big", 50_000))
                    .orElseThrow().uid();
        }
        ImapUpstreamConfig small = new ImapUpstreamConfig("127.0.0.1", dovecot.port(), ImapUpstreamConfig.TlsMode.NONE,
                null, true, 10_000, Duration.ofSeconds(30), Duration.ofMinutes(1));
        try (ToolImapClient client = ToolImapClient.connect(small)) {
            client.login("a@example.org", "pw\"with\\odd".toCharArray());
            client.select("INBOX");
            ImapClientException e = assertThrows(ImapClientException.class, () -> client.fetch(uid));
            assertTrue(e.getMessage().contains("literal larger"));
        }
        try (ToolImapClient client = ToolImapClient.connect(config())) {
            client.login("a@example.org", "pw\"with\\odd".toCharArray());
            client.select("INBOX");
            client.addFlags(uid, List.of("\\Deleted"));
            client.uidExpunge(uid);
        }
    }

    @Test
    void wrongPasswordFailsWithoutEchoingIt() throws Exception {
        try (ToolImapClient client = ToolImapClient.connect(config())) {
            ImapClientException e = assertThrows(ImapClientException.class,
                    () -> client.login("a@example.org", "secret-guess".toCharArray()));
            assertTrue(!e.getMessage().contains("secret-guess"));
        }
    }

    @Test
    void passwordIsNotSentInPlaintextUnlessAllowed() throws Exception {
        ImapUpstreamConfig strict = new ImapUpstreamConfig("127.0.0.1", dovecot.port(), ImapUpstreamConfig.TlsMode.NONE,
                null, false, 1 << 20, Duration.ofSeconds(30), Duration.ofMinutes(1));
        try (ToolImapClient client = ToolImapClient.connect(strict)) {
            assertThrows(ImapClientException.class, () -> client.login("a@example.org", "pw".toCharArray()));
        }
    }
}
