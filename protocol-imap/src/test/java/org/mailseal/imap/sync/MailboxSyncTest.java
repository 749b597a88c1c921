package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.AppendedMessage;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;
import org.mailseal.imap.testing.ThrowawayDovecot;

/** {@link MailboxSync} against a real Dovecot, one account per side. */
class MailboxSyncTest {
    private static final String PASSWORD = "pw";
    private static final List<List<String>> FLAG_SETS = List.of(List.of(), List.of("\\Seen"),
            List.of("\\Seen", "\\Flagged"), List.of("\\Answered", "$Label1"), List.of("\\Draft"),
            List.of("\\Seen", "\\Deleted"));
    private static ThrowawayDovecot dovecot;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        List<String> accounts = new ArrayList<>();
        for (String user : List.of("copya", "copyb", "crasha", "crashb")) {
            accounts.add(user + "@example.org:" + PASSWORD);
        }
        dovecot = ThrowawayDovecot.start("mailsync", accounts);
    }

    @AfterAll
    static void stop() throws Exception {
        dovecot.close();
    }

    private static ToolImapClient login(String user) throws IOException {
        ToolImapClient client = ToolImapClient.connect(ImapUpstreamConfig.plain("127.0.0.1", dovecot.port()));
        client.login(user + "@example.org", PASSWORD.toCharArray());
        return client;
    }

    /** Message i: every fourth has no Message-ID; messages 5 and 6 are byte-identical twins (both must be copied). */
    private static byte[] message(int i, Random random) {
        int n = i == 6 ? 5 : i;
        byte[] body = new byte[100 + random.nextInt(2000)];
        new Random(n).nextBytes(body);
        String id = n % 4 == 3 ? "" : "Message-ID:\r\n <m" + n + "@example.org>\r\n";
        return ("From: a@example.org\r\nTo: b@example.org\r\nSubject: message " + n + "\r\n" + id
                + "Date: Mon, 1 Mar 2021 10:00:00 +0000\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(body) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void seed(String user, int count) throws IOException {
        Random random = new Random(7);
        try (ToolImapClient client = login(user)) {
            for (int i = 0; i < count; i++) {
                String date = String.format("%02d-Mar-2021 %02d:%02d:%02d +0%d00", 1 + i % 28, i % 24, i % 60,
                        i % 59, i % 3);
                client.append("INBOX", FLAG_SETS.get(i % FLAG_SETS.size()), date, message(i, random));
            }
        }
    }

    /** The mailbox as sorted "date|flags|sha256" lines. */
    private static List<String> snapshot(String user) throws IOException {
        List<String> lines = new ArrayList<>();
        try (ToolImapClient client = login(user)) {
            client.select("INBOX");
            for (long uid : client.uidSearch("ALL")) {
                StoredMessage m = client.fetch(uid).orElseThrow();
                lines.add(m.internalDate() + "|" + new TreeSet<>(m.flags()) + "|"
                        + HexFormat.of().formatHex(MailboxSync.sha256(m.content())));
            }
        }
        lines.sort(null);
        return lines;
    }

    private SyncSummary sync(SyncState state, MailboxPair pair, String userA, String userB) throws IOException {
        try (ToolImapClient a = login(userA); ToolImapClient b = login(userB)) {
            return new MailboxSync(state, pair, a, b).copyNew(Side.A);
        }
    }

    @Test
    void copiesNewMessagesWithFlagsAndDatesThenHasNothingToDo() throws Exception {
        seed("copya", 30);
        MailboxPair pair = new MailboxPair("c", "INBOX", "INBOX");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            SyncSummary first = sync(state, pair, "copya", "copyb");
            assertEquals(new SyncSummary(30, 0, 0), first);
            assertEquals(snapshot("copya"), snapshot("copyb"));

            MailboxState recorded = state.read(pair);
            assertEquals(30, recorded.messages().size());
            assertEquals(7, recorded.messages().stream().filter(m -> m.content().messageId() == null).count());
            assertTrue(recorded.messages().stream().anyMatch(m -> m.flags().equals(java.util.Set.of("\\Answered", "$Label1"))));

            SyncSummary second = sync(state, pair, "copya", "copyb");
            assertEquals(new SyncSummary(0, 0, 30), second);
            assertTrue(second.changedNothing());
            assertTrue(second.toString().startsWith("nothing to do"), second.toString());
            assertEquals(snapshot("copya"), snapshot("copyb"));
        }
    }

    @Test
    void anAppendThatWasNotRecordedIsMatchedNotCopiedAgain() throws Exception {
        seed("crasha", 8); // UIDs 4 and 8 have no Message-ID; UIDs 6 and 7 are twins
        MailboxPair pair = new MailboxPair("c", "INBOX", "INBOX");
        // A previous run appended A's UIDs 3 (Message-ID), 7 (second twin) and 8 (no Message-ID), then died unrecorded.
        List<Long> byHand = new ArrayList<>();
        try (ToolImapClient a = login("crasha"); ToolImapClient b = login("crashb")) {
            a.select("INBOX");
            for (long uid : List.of(3L, 7L, 8L)) {
                StoredMessage m = a.fetch(uid).orElseThrow();
                AppendedMessage appended = b.append("INBOX", m.flags(), m.internalDate(), m.content()).orElseThrow();
                byHand.add(appended.uid());
            }
        }
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            SyncSummary run = sync(state, pair, "crasha", "crashb");
            assertEquals(new SyncSummary(5, 3, 0), run);
            assertEquals(snapshot("crasha"), snapshot("crashb")); // no duplicate: the same multiset on both sides

            MailboxState recorded = state.read(pair);
            assertEquals(8, recorded.messages().size());
            for (int i : List.of(0, 2)) {
                long uidA = List.of(3L, 7L, 8L).get(i);
                long uidB = byHand.get(i);
                assertTrue(recorded.messages().stream().anyMatch(m -> m.uidA() == uidA && m.uidB() == uidB),
                        "pair " + uidA + " -> " + uidB + " recorded: " + recorded.messages());
            }
            // Twins are the same bytes: the hand copy of the second may pair with either of them.
            assertTrue(recorded.messages().stream().anyMatch(m -> (m.uidA() == 6 || m.uidA() == 7)
                    && m.uidB() == byHand.get(1)), recorded.messages().toString());
            assertEquals(new SyncSummary(0, 0, 8), sync(state, pair, "crasha", "crashb"));
        }
    }

    @Test
    void messageIdIsTheUnfoldedHeaderValue() {
        assertEquals("<x@y>", MailboxSync.messageId("Subject: s\r\nMessage-Id:\r\n\t<x@y>\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII)));
        assertNull(MailboxSync.messageId("Subject: s\r\n\r\nMessage-ID: <x@y>\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertNull(MailboxSync.messageId("Message-ID: \r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    }
}
