package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.testing.ScriptedImapServer;

/** {@link ImapSyncStore} against scripted answers that real test servers do not give. */
class ImapSyncStoreScriptedTest {
    private static final String CAPS = "* CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC UIDPLUS IDLE MULTIAPPEND"
            + " LITERAL+\r\n";
    private static final String SELECTED = "* 5 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 6] ok\r\n"
            + "* OK [HIGHESTMODSEQ 100] ok\r\n";

    /** Answers by command prefix (the longest that matches), with defaults for the commands every session sends. */
    private static ScriptedImapServer server(String capabilities, Map<String, String> script) throws IOException {
        Map<String, String> all = new HashMap<>(script);
        all.putIfAbsent("CAPABILITY", capabilities);
        all.putIfAbsent("ENABLE", "* ENABLED QRESYNC\r\n");
        all.putIfAbsent("SELECT", SELECTED);
        return new ScriptedImapServer(new CommandScript(command -> all.entrySet().stream()
                .filter(e -> command.toUpperCase(Locale.ROOT).startsWith(e.getKey()))
                .max(Comparator.comparingInt(e -> e.getKey().length()))
                .map(Map.Entry::getValue).orElse("")));
    }

    private static ImapSyncStore open(ScriptedImapServer server) throws IOException {
        return ImapSyncStore.open(ImapUpstreamConfig.plain("127.0.0.1", server.port()), "u", "p".toCharArray());
    }

    @Test
    void hugeVanishedEarlierIsHeldAsRanges() throws Exception {
        try (ScriptedImapServer server = server(CAPS, Map.of("UID FETCH 1:* (UID FLAGS RFC822.SIZE) (CHANGEDSINCE 90 VANISHED)",
                "* VANISHED (EARLIER) 1:4000000000\r\n* VANISHED (EARLIER) 4000000005\r\n"
                        + "* 1 FETCH (UID 4000000002 FLAGS (\\Seen \\Recent) RFC822.SIZE 12 MODSEQ (101))\r\n"));
             ImapSyncStore store = open(server)) {
            assertTrue(store.incremental());
            assertEquals(new SyncMailbox("INBOX", 7, 6, 5, 100), store.select("INBOX"));
            StoreChanges changes = store.changedSince(90);
            assertEquals("1:4000000000,4000000005", changes.vanished().toString());
            assertTrue(changes.vanished().contains(3_999_999_999L));
            assertFalse(changes.vanished().contains(4_000_000_002L));
            assertEquals(Map.of(4_000_000_002L, new MessageInfo(4_000_000_002L, Set.of("\\Seen"), 12)),
                    changes.changed());
        }
    }

    @Test
    void malformedVanishedIsAnError() throws Exception {
        for (String bad : List.of("* VANISHED (EARLIER) 1:x\r\n", "* VANISHED (EARLIER) 0:5\r\n",
                "* VANISHED (EARLIER) 99999999999\r\n", "* VANISHED (EARLIER)\r\n", "* VANISHED 3:\r\n")) {
            try (ScriptedImapServer server = server(CAPS, Map.of("UID FETCH", bad)); ImapSyncStore store = open(server)) {
                store.select("INBOX");
                assertThrows(ImapClientException.class, () -> store.changedSince(90), bad);
            }
        }
        // An unsolicited one, as another client's expunge, in answer to NOOP (which info sends first; scan and
        // changedSince send none right after a SELECT):
        try (ScriptedImapServer server = server(CAPS, Map.of("NOOP", "* VANISHED 1,,2\r\n"));
             ImapSyncStore store = open(server)) {
            store.select("INBOX");
            assertThrows(ImapClientException.class, () -> store.info(List.of(1L)));
        }
    }

    @Test
    void listSkipsNoselectAndNonexistentAndReadsNilDelimiterAndLiteralNames() throws Exception {
        try (ScriptedImapServer server = server(CAPS, Map.of("LIST \"\" \"*\"",
                "* LIST (\\HasNoChildren) NIL \"Flat\"\r\n* LIST (\\Noselect \\HasChildren) NIL \"Parent\"\r\n"
                        + "* LIST (\\NonExistent) NIL Gone\r\n* LIST () NIL {5}\r\nLit x\r\n"
                        + "* LIST (\\HasNoChildren) NIL \"Flat\"\r\n"));
             ImapSyncStore store = open(server)) {
            assertEquals(List.of("Flat", "Lit x"), store.list(List.of("*")));
            assertEquals(0, store.delimiter());
        }
        try (ScriptedImapServer server = server(CAPS, Map.of("LIST", "* LIST () \"/\" Flat extra junk\r\n"));
             ImapSyncStore store = open(server)) {
            assertThrows(ImapClientException.class, () -> store.list(List.of("*")));
        }
    }

    @Test
    void createTakesAlreadyExistsOnlyWhenListFindsTheMailbox() throws Exception {
        try (ScriptedImapServer server = server(CAPS, Map.of(
                "CREATE \"BOX\"", "$TAG NO [ALREADYEXISTS] Mailbox exists\r\n",
                "CREATE", "$TAG NO [CANNOT] no\r\n",
                "LIST \"\" \"BOX\"", "* LIST (\\HasNoChildren) \"/\" \"Box\"\r\n",
                "LIST", ""));
             ImapSyncStore store = open(server)) {
            store.create("Box");
            ImapClientException e = assertThrows(ImapClientException.class, () -> store.create("Other"));
            assertTrue(e.getMessage().contains("CANNOT"), e.getMessage());
        }
    }

    @Test
    void fetchIgnoresUnsolicitedResponsesAndReturnsUidOrder() throws Exception {
        String body = "* 3 FETCH (FLAGS (\\Seen))\r\n"
                + "* 4 FETCH (UID 9 FLAGS () INTERNALDATE \"17-Jul-1996 09:44:25 +0000\" RFC822.SIZE 3 BODY[] {3}\r\nabc)\r\n"
                + "* 5 FETCH (UID 5 FLAGS (\\Seen \\Recent) INTERNALDATE \"17-Jul-1996 09:44:25 +0000\""
                + " RFC822.SIZE 3 BODY[] {3}\r\nxyz)\r\n"
                + "* 2 FETCH (UID 2 FLAGS () INTERNALDATE \"17-Jul-1996 09:44:25 +0000\" RFC822.SIZE 2 BODY[] {2}\r\nab)\r\n"
                + "* 1 EXPUNGE\r\n* VANISHED 8\r\n";
        try (ScriptedImapServer server = server(CAPS, Map.of("UID FETCH 2,5:6 ", body)); ImapSyncStore store = open(server)) {
            store.select("INBOX");
            List<StoredMessage> fetched = store.fetch(List.of(6L, 5L, 2L));
            assertEquals(List.of(2L, 5L), fetched.stream().map(StoredMessage::uid).toList());
            assertEquals(List.of("\\Seen"), fetched.get(1).flags());
            assertEquals("xyz", new String(fetched.get(1).content(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void multiAppendSendsNonSynchronisingLiteralsAndChecksTheUidCount() throws Exception {
        StoredMessage m = new StoredMessage(0, List.of("\\Seen"), "17-Jul-1996 09:44:25 +0000", 5, "hello".getBytes());
        try (ScriptedImapServer server = server(CAPS, Map.of("APPEND", "$TAG OK [APPENDUID 7 10:11] done\r\n"));
             ImapSyncStore store = open(server)) {
            assertEquals(List.of(10L, 11L), store.append("INBOX", 7, List.of(m, m)));
            ImapClientException e = assertThrows(ImapClientException.class, () -> store.append("INBOX", 7,
                    List.of(m, m, m)));
            assertTrue(e.getMessage().contains("APPENDUID"), e.getMessage());
            assertTrue(server.received.toString().contains("APPEND \"INBOX\" (\\Seen) \"17-Jul-1996 09:44:25 +0000\""
                    + " {5+}\r\nhello (\\Seen) \"17-Jul-1996 09:44:25 +0000\" {5+}\r\nhello\r\n"), server.received.toString());
        }
    }

    @Test
    void writingWithoutUidplusIsRefused() throws Exception {
        StoredMessage m = new StoredMessage(0, List.of(), "17-Jul-1996 09:44:25 +0000", 5, "hello".getBytes());
        try (ScriptedImapServer server = server("* CAPABILITY IMAP4rev1\r\n", Map.of()); ImapSyncStore store = open(server)) {
            assertFalse(store.incremental());
            store.select("INBOX");
            assertThrows(ImapClientException.class, () -> store.append("INBOX", 7, List.of(m)));
            assertThrows(ImapClientException.class, () -> store.expunge(List.of(1L)));
            assertFalse(server.received.toString().contains("APPEND"));
            assertFalse(server.received.toString().contains("STORE"));
        }
    }

    @Test
    void idleEndsWithDoneOnTheFirstChange() throws Exception {
        try (ScriptedImapServer server = server(CAPS, Map.of("IDLE", "+ idling\r\n* 1 FETCH (FLAGS (\\Seen))\r\n")
        ); ImapSyncStore store = open(server)) {
            store.select("INBOX");
            assertTrue(store.idle(Duration.ofMinutes(5)));
            assertTrue(server.received.toString().contains(" IDLE\r\nDONE\r\n"), server.received.toString());
            assertEquals(0, store.scan().size()); // still in step: the scripted server answers no FETCH
        }
    }

    @Test
    void everyResponseIsBoundedAndAStalledServerTimesOut() throws Exception {
        String manyLists = "* LIST () NIL x\r\n".repeat(250_000); // far beyond 16 MiB once counted with overhead
        try (ScriptedImapServer server = server(CAPS, Map.of(
                "UID FETCH 1 ", "* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"17-Jul-1996 09:44:25 +0000\" RFC822.SIZE 3000"
                        + " BODY[] {3000}\r\n" + "x".repeat(3000) + ")\r\n",
                "UID FETCH 2 ", "* OK " + "x".repeat(70_000) + "\r\n",
                "UID FETCH 3 ", CommandScript.SILENCE,
                "LIST", manyLists))) {
            ImapUpstreamConfig config = new ImapUpstreamConfig("127.0.0.1", server.port(),
                    ImapUpstreamConfig.TlsMode.NONE, null, true, 1024, Duration.ofSeconds(10), Duration.ofSeconds(1));
            Map<Long, Class<? extends IOException>> failures = Map.of(1L, ImapClientException.class,
                    2L, ImapClientException.class, 3L, SocketTimeoutException.class);
            Map<Long, String> reasons = Map.of(1L, "literal larger than 1024", 2L, "line longer than", 3L, "");
            for (long uid = 1; uid <= 3; uid++) {
                try (ImapSyncStore store = ImapSyncStore.open(config, "u", "p".toCharArray())) {
                    store.select("INBOX");
                    long u = uid;
                    IOException e = assertThrows(failures.get(uid), () -> store.fetch(List.of(u)), "UID " + uid);
                    assertTrue(String.valueOf(e.getMessage()).contains(reasons.get(uid)), e.getMessage());
                }
            }
            try (ImapSyncStore store = ImapSyncStore.open(config, "u", "p".toCharArray())) {
                ImapClientException e = assertThrows(ImapClientException.class, () -> store.list(List.of("*")));
                assertTrue(e.getMessage().contains("larger than"), e.getMessage());
            }
        }
    }
}
