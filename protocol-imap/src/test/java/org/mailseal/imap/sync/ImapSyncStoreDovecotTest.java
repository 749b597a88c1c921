package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.UidSet;
import org.mailseal.imap.testing.ThrowawayDovecot;

/** {@link ImapSyncStore} against a real Dovecot: QRESYNC, MULTIAPPEND with LITERAL+, IDLE, and their fallbacks. */
class ImapSyncStoreDovecotTest extends SyncStoreContract {
    private static final String USER = "store@example.org";
    private static final String PASSWORD = "store-pw";
    private static ThrowawayDovecot dovecot;

    @BeforeAll
    static void start() throws Exception {
        dovecot = ThrowawayDovecot.start("syncstore", List.of(USER + ":" + PASSWORD));
    }

    @AfterAll
    static void stop() throws Exception {
        dovecot.close();
    }

    @Override
    ImapSyncStore open() throws IOException {
        return open(Set.of());
    }

    private static ImapSyncStore open(Set<String> ignored) throws IOException {
        return ImapSyncStore.open(ImapUpstreamConfig.plain("127.0.0.1", dovecot.port()), USER,
                PASSWORD.toCharArray(), ignored);
    }

    @Test
    void incrementalScanReportsFlagChangesNewMessagesAndExpungesOnly() throws Exception {
        try (ImapSyncStore store = open(); ImapSyncStore other = open()) {
            assertTrue(store.incremental());
            String mailbox = freshName("Incremental");
            SyncMailbox before = seeded(store, mailbox, 6);
            assertTrue(before.highestModSeq() > 0);
            List<Long> uids = List.copyOf(store.scan().keySet());

            other.select(mailbox);
            other.store(List.of(uids.get(1)), Set.of("\\Flagged"), Set.of());
            other.expunge(List.of(uids.get(3), uids.get(4)));
            long added = other.append(mailbox, before.uidValidity(), List.of(stored(message("late", "")))).get(0);

            StoreChanges changes = store.changedSince(before.highestModSeq());
            assertEquals(List.of(uids.get(1), added), List.copyOf(changes.changed().keySet()));
            assertEquals(Set.of("\\Flagged"), changes.changed().get(uids.get(1)).flags());
            for (long uid : uids) {
                boolean expunged = uid == uids.get(3) || uid == uids.get(4);
                assertEquals(expunged, changes.vanished().contains(uid), "vanished " + uid + ": " + changes.vanished());
            }
            assertFalse(changes.vanished().contains(added));

            SyncMailbox after = store.select(mailbox);
            assertTrue(after.highestModSeq() > before.highestModSeq());
            StoreChanges none = store.changedSince(after.highestModSeq());
            assertTrue(none.changed().isEmpty(), none.toString());
            assertTrue(none.vanished().isEmpty(), none.toString());
        }
    }

    @Test
    void expungesByAnotherClientArriveAsVanishedDuringOtherCommands() throws Exception {
        try (ImapSyncStore store = open(); ImapSyncStore other = open()) {
            String mailbox = freshName("Unsolicited");
            SyncMailbox box = seeded(store, mailbox, 4);
            List<Long> uids = List.copyOf(store.scan().keySet());
            other.select(mailbox);
            other.expunge(List.of(uids.get(0)));
            other.store(List.of(uids.get(1)), Set.of("$Other"), Set.of());
            // Dovecot announces both (VANISHED, FETCH) during the next commands; they must not confuse them.
            List<StoredMessage> fetched = store.fetch(uids);
            assertEquals(uids.subList(1, 4), fetched.stream().map(StoredMessage::uid).toList());
            store.store(List.of(uids.get(2)), Set.of("$Mine"), Set.of());
            assertEquals(List.copyOf(uids.subList(1, 4)), List.copyOf(store.scan().keySet()));
            StoreChanges changes = store.changedSince(box.highestModSeq());
            assertTrue(changes.vanished().contains(uids.get(0)));
        }
    }

    @Test
    void changedSinceOnAnEmptiedMailboxStillReportsWhatVanished() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Emptied");
            SyncMailbox box = seeded(store, mailbox, 3);
            List<Long> uids = List.copyOf(store.scan().keySet());
            store.expunge(uids);
            store.select(mailbox);
            assertTrue(store.scan().isEmpty());
            StoreChanges changes = store.changedSince(box.highestModSeq());
            assertTrue(changes.changed().isEmpty());
            uids.forEach(uid -> assertTrue(changes.vanished().contains(uid), changes.vanished().toString()));
        }
    }

    @Test
    void multiAppendKeepsOrderAndUidsWithEveryLiteralKind() throws Exception {
        for (Set<String> ignored : List.of(Set.<String>of(), Set.of("LITERAL+"), Set.of("MULTIAPPEND", "LITERAL+"))) {
            try (ImapSyncStore store = open(ignored)) {
                String mailbox = freshName("Order");
                long uidValidity = created(store, mailbox);
                List<StoredMessage> messages = new ArrayList<>();
                for (int i = 0; i < 7; i++) {
                    // sizes differ so that a reordering would show in the content
                    messages.add(stored(message("order " + i + "x".repeat(i * 300), ""), i % 2 == 0 ? "\\Seen" : "$L"));
                }
                List<Long> uids = store.append(mailbox, uidValidity, messages);
                assertEquals(7, uids.size(), ignored.toString());
                store.select(mailbox);
                List<StoredMessage> fetched = store.fetch(uids);
                for (int i = 0; i < 7; i++) {
                    assertEquals(uids.get(i), fetched.get(i).uid());
                    assertArrayEquals(messages.get(i).content(), fetched.get(i).content(), ignored + " #" + i);
                    assertEquals(messages.get(i).flags(), fetched.get(i).flags(), ignored + " #" + i);
                }
            }
        }
    }

    @Test
    void appendBatchesStayUnderTheCommandBound() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Big");
            long uidValidity = created(store, mailbox);
            byte[] big = message("big" + "y".repeat(6 << 20), "");
            List<StoredMessage> messages = List.of(stored(big), stored(big), stored(big), stored(message("s", "")));
            List<Long> uids = store.append(mailbox, uidValidity, messages); // 3 commands: 12 MiB, 6 MiB + small
            assertEquals(4, uids.size());
            store.select(mailbox);
            assertEquals(uids, List.copyOf(store.scan().keySet()));
        }
    }

    @Test
    void withoutQresyncItIsNotIncremental() throws Exception {
        try (ImapSyncStore store = open(Set.of("QRESYNC", "CONDSTORE"))) {
            assertFalse(store.incremental());
            String mailbox = freshName("Plain");
            SyncMailbox box = seeded(store, mailbox, 2);
            assertEquals(0, box.highestModSeq());
            assertEquals(2, store.scan().size());
            assertThrows(ImapClientException.class, () -> store.changedSince(1));
        }
        try (ImapSyncStore store = open(Set.of("QRESYNC"))) {
            assertFalse(store.incremental());
            assertTrue(store.select("INBOX").highestModSeq() > 0, "SELECT (CONDSTORE) reports HIGHESTMODSEQ");
        }
    }

    @Test
    void withoutIdleItPollsWithNoop() throws Exception {
        try (ImapSyncStore store = open(Set.of("IDLE")); ImapSyncStore other = open()) {
            String mailbox = freshName("Poll");
            SyncMailbox box = seeded(store, mailbox, 1);
            assertFalse(store.idle(Duration.ofMillis(200)));
            assertIdleSeesAppendByOther(store, other, box);
            assertEquals(2, store.scan().size());
        }
    }

    @Test
    void vanishedIsASetOfRangesNotAList() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Ranges");
            SyncMailbox box = seeded(store, mailbox, 30);
            List<Long> uids = List.copyOf(store.scan().keySet());
            store.expunge(uids.subList(5, 25));
            StoreChanges changes = store.changedSince(box.highestModSeq());
            assertEquals(UidSet.of(uids.subList(5, 25)), changes.vanished());
            assertEquals(20, changes.vanished().size());
        }
    }
}
