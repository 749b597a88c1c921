package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.StoredMessage;

/**
 * What every {@link ImapSyncStore} must do whatever the server: the tests run against GreenMail and Dovecot by
 * subclassing. Each test works in a mailbox of its own.
 */
abstract class SyncStoreContract {
    private static final AtomicInteger MAILBOXES = new AtomicInteger();
    static final String DATE = "17-Jul-1996 09:44:25 +0000";

    /** A new connection to the test account. */
    abstract ImapSyncStore open() throws IOException;

    static String freshName(String prefix) {
        return prefix + MAILBOXES.incrementAndGet();
    }

    static byte[] message(String subject, String messageIdHeader) {
        return ("From: a@example.org\r\nTo: b@example.org\r\nSubject: " + subject + "\r\n" + messageIdHeader
                + "Date: Mon, 1 Mar 2021 10:00:00 +0000\r\n\r\nBody of " + subject + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    static StoredMessage stored(byte[] content, String... flags) {
        return new StoredMessage(0, List.of(flags), DATE, content.length, content);
    }

    /** A new empty mailbox, selected; returns its UIDVALIDITY. */
    static long created(ImapSyncStore store, String mailbox) throws IOException {
        store.create(mailbox);
        return store.select(mailbox).uidValidity();
    }

    /** A mailbox of its own with {@code count} plain messages, selected. */
    static SyncMailbox seeded(ImapSyncStore store, String mailbox, int count) throws IOException {
        long uidValidity = created(store, mailbox);
        List<StoredMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(stored(message("m" + i, "Message-ID: <m" + i + "@example.org>\r\n")));
        }
        store.append(mailbox, uidValidity, messages);
        return store.select(mailbox);
    }

    /** A wait in {@code store.idle} ends with true once {@code other} appends to the mailbox. */
    static void assertIdleSeesAppendByOther(ImapSyncStore store, ImapSyncStore other, SyncMailbox box)
            throws Exception {
        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try {
            // Whether the append comes before or during IDLE, the server must announce it (EXISTS) within the wait.
            Future<Boolean> changed = waiter.submit(() -> store.idle(Duration.ofMinutes(2)));
            other.append(box.name(), box.uidValidity(), List.of(stored(message("new", ""))));
            assertTrue(changed.get(3, TimeUnit.MINUTES));
        } finally {
            waiter.shutdownNow();
        }
    }

    @Test
    void createListAndDelimiter() throws Exception {
        try (ImapSyncStore store = open()) {
            char d = store.delimiter();
            assertTrue(d == 0 || d == '.' || d == '/', "delimiter " + (int) d);
            String parent = freshName("Parent");
            String child = parent + d + "Child";
            store.create(parent);
            store.create(child);
            store.create(child); // exists already: still a success
            List<String> all = store.list(List.of("*"));
            assertTrue(all.contains("INBOX"), all.toString());
            assertTrue(all.contains(parent) && all.contains(child), all.toString());
            assertEquals(1, all.stream().filter(child::equals).count());
            assertEquals(List.of(parent, child), store.list(List.of(parent, parent + "*", child)));
            assertEquals(List.of(), store.list(List.of("NoSuchMailbox*")));
            assertEquals(d, store.delimiter());
        }
    }

    @Test
    void appendScanMessageIdsFetchStoreExpunge() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Round");
            store.create(mailbox);
            SyncMailbox empty = store.select(mailbox);
            assertEquals(0, empty.exists());
            assertTrue(store.scan().isEmpty());

            byte[] plain = message("plain", "Message-ID: <plain@example.org>\r\n");
            byte[] folded = message("folded", "Message-ID:\r\n  <folded@example.org>  \r\n");
            byte[] none = message("none", "");
            List<Long> uids = store.append(mailbox, empty.uidValidity(),
                    List.of(stored(plain, "\\Seen", "$Label1"), stored(folded), stored(none, "\\Flagged")));
            assertEquals(3, uids.size());
            assertTrue(uids.get(0) < uids.get(1) && uids.get(1) < uids.get(2), uids.toString());

            SyncMailbox box = store.select(mailbox);
            assertEquals(empty.uidValidity(), box.uidValidity());
            assertEquals(3, box.exists());
            assertTrue(box.uidNext() > uids.get(2));

            SortedMap<Long, MessageInfo> scan = store.scan();
            assertEquals(uids, List.copyOf(scan.keySet()));
            assertEquals(Set.of("\\Seen", "$Label1"), scan.get(uids.get(0)).flags()); // no \Recent
            assertEquals(Set.of(), scan.get(uids.get(1)).flags());
            assertEquals(Set.of("\\Flagged"), scan.get(uids.get(2)).flags());
            assertEquals(folded.length, scan.get(uids.get(1)).size());

            Map<Long, String> ids = store.messageIds(uids);
            assertEquals(Map.of(uids.get(0), "<plain@example.org>", uids.get(1), "<folded@example.org>"), ids);

            long gone = box.uidNext() + 100;
            List<StoredMessage> fetched = store.fetch(List.of(uids.get(2), gone, uids.get(0), uids.get(1)));
            assertEquals(uids, fetched.stream().map(StoredMessage::uid).toList());
            assertArrayEquals(plain, fetched.get(0).content());
            assertArrayEquals(none, fetched.get(2).content());
            assertEquals(Set.of("\\Seen", "$Label1"), Set.copyOf(fetched.get(0).flags()));
            assertEquals(Set.of(), Set.copyOf(fetched.get(1).flags())); // BODY.PEEK: \Seen is not set

            store.store(uids.subList(0, 2), Set.of("\\Answered", "$Done"), Set.of("\\Seen"));
            store.store(List.of(), Set.of("\\Deleted"), Set.of()); // nothing to do
            store.store(List.of(uids.get(2)), Set.of(), Set.of("\\Flagged"));
            scan = store.scan();
            assertEquals(Set.of("\\Answered", "$Done", "$Label1"), scan.get(uids.get(0)).flags());
            assertEquals(Set.of("\\Answered", "$Done"), scan.get(uids.get(1)).flags());
            assertEquals(Set.of(), scan.get(uids.get(2)).flags());

            store.expunge(List.of(uids.get(1), gone));
            assertEquals(List.of(uids.get(0), uids.get(2)), List.copyOf(store.scan().keySet()));
            assertEquals(List.of(uids.get(0), uids.get(2)),
                    store.fetch(uids).stream().map(StoredMessage::uid).toList());
        }
    }

    @Test
    void severalFlagUpdatesAtOnceAreAppliedAndARefusalAmongThemLeavesTheConnectionUsable() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Batch");
            store.create(mailbox);
            SyncMailbox box = store.select(mailbox);
            List<Long> uids = store.append(mailbox, box.uidValidity(), List.of(stored(message("a", ""), "\\Seen"),
                    stored(message("b", "")), stored(message("c", ""), "\\Flagged")));
            store.select(mailbox);
            store.store(List.of(
                    new SyncStore.FlagUpdate(List.of(uids.get(0), uids.get(1)), Set.of("\\Answered"), Set.of()),
                    new SyncStore.FlagUpdate(List.of(uids.get(0)), Set.of(), Set.of("\\Seen")),
                    new SyncStore.FlagUpdate(List.of(uids.get(2)), Set.of("$Later"), Set.of("\\Flagged"))));
            SortedMap<Long, MessageInfo> scan = store.scan();
            assertEquals(Set.of("\\Answered"), scan.get(uids.get(0)).flags());
            assertEquals(Set.of("\\Answered"), scan.get(uids.get(1)).flags());
            assertEquals(Set.of("$Later"), scan.get(uids.get(2)).flags());

            // \Unknown is no system flag: the server refuses that STORE; the ones around it still happen.
            assertThrows(ImapClientException.class, () -> store.store(List.of(
                    new SyncStore.FlagUpdate(List.of(uids.get(1)), Set.of("\\Draft"), Set.of()),
                    new SyncStore.FlagUpdate(List.of(uids.get(1)), Set.of("\\Unknown"), Set.of()),
                    new SyncStore.FlagUpdate(List.of(uids.get(2)), Set.of("\\Seen"), Set.of()))));
            scan = store.scan(); // every answer was read: the next command gets its own
            assertEquals(Set.of("\\Answered", "\\Draft"), scan.get(uids.get(1)).flags());
            assertEquals(Set.of("$Later", "\\Seen"), scan.get(uids.get(2)).flags());
        }
    }

    @Test
    void appendChecksUidValidity() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Validity");
            long uidValidity = created(store, mailbox);
            ImapClientException e = assertThrows(ImapClientException.class, () -> store.append(mailbox,
                    uidValidity + 1, List.of(stored(message("x", "")))));
            assertTrue(e.getMessage().contains("UIDVALIDITY"), e.getMessage());
        }
    }

    @Test
    void manyUidsAreFetchedInSeveralCommandsInUidOrder() throws Exception {
        try (ImapSyncStore store = open()) {
            String mailbox = freshName("Many");
            seeded(store, mailbox, 260);
            SortedMap<Long, MessageInfo> scan = store.scan();
            assertEquals(260, scan.size());
            List<Long> wanted = new ArrayList<>();
            int i = 0;
            for (long uid : scan.keySet()) {
                if (i % 3 != 0 || i >= 90) {
                    wanted.add(uid); // short ranges, then one long one: more than one command's worth (230)
                }
                i++;
            }
            List<StoredMessage> fetched = store.fetch(wanted);
            assertEquals(wanted, fetched.stream().map(StoredMessage::uid).toList());
            assertEquals(wanted.size(), store.messageIds(wanted).size());
        }
    }

    @Test
    void idleTimesOutWithoutChangesAndReturnsOnAnAppendByAnotherClient() throws Exception {
        try (ImapSyncStore store = open(); ImapSyncStore other = open()) {
            String mailbox = freshName("Idle");
            SyncMailbox box = seeded(store, mailbox, 1);
            assertFalse(store.idle(Duration.ofMillis(300)));
            assertEquals(1, store.scan().size()); // the connection is still in step after IDLE

            assertIdleSeesAppendByOther(store, other, box);
            assertEquals(2, store.scan().size());
        }
    }

    @Test
    void selectOfAMissingMailboxFailsAndLeavesNothingSelected() throws Exception {
        try (ImapSyncStore store = open()) {
            assertThrows(ImapClientException.class, () -> store.select(freshName("Missing")));
            assertThrows(IllegalStateException.class, store::scan);
        }
    }
}
