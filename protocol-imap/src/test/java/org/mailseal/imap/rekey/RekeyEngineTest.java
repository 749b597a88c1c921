package org.mailseal.imap.rekey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.SelectedMailbox;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;
import org.mailseal.imap.rekey.RekeyListener.Outcome;
import org.mailseal.imap.testing.ThrowawayDovecot;

/**
 * The rekey engine against a real Dovecot, with {@link MarkerRewrapper} standing in for cryptography. Every test
 * compares the whole account before and after: per message its mailbox, flags, internal date and bulk digest.
 */
class RekeyEngineTest {
    private static final String PASSWORD = "pw";
    private static final List<List<String>> FLAG_SETS = List.of(List.of(), List.of("\\Seen"),
            List.of("\\Seen", "\\Flagged"), List.of("\\Answered", "$Label1"), List.of("\\Draft"),
            List.of("\\Seen", "\\Deleted"));
    private static ThrowawayDovecot dovecot;

    @BeforeAll
    static void start() throws Exception {
        List<String> accounts = new ArrayList<>();
        for (String user : List.of("full", "dry", "crash", "cut1", "cut2", "cut3", "cut4", "cut5")) {
            accounts.add(user + "@example.org:" + PASSWORD);
        }
        dovecot = ThrowawayDovecot.start("rekey", accounts);
    }

    @AfterAll
    static void stop() throws Exception {
        dovecot.close();
    }

    private static ToolImapClient login(String user, int port) throws IOException {
        ToolImapClient client = ToolImapClient.connect(ImapUpstreamConfig.plain("127.0.0.1", port));
        client.login(user + "@example.org", PASSWORD.toCharArray());
        return client;
    }

    /** Seeds INBOX and Archive: retired, current and plaintext messages, assorted flags and dates, a duplicate pair. */
    private static int seed(String user, int count, long seed) throws IOException {
        Random random = new Random(seed);
        int retired = 0;
        try (ToolImapClient client = login(user, dovecot.port())) {
            client.create("Archive");
            for (int i = 0; i < count; i++) {
                String mailbox = i % 3 == 0 ? "Archive" : "INBOX";
                byte[] bulk = new byte[200 + random.nextInt(3000)];
                random.nextBytes(bulk);
                String body = java.util.Base64.getMimeEncoder().encodeToString(bulk) + "\r\n";
                String keyLine = i % 7 == 3 ? "" : i % 5 == 1 ? MarkerRewrapper.CURRENT : MarkerRewrapper.RETIRED;
                byte[] message = MarkerRewrapper.message(i, keyLine, body);
                String date = String.format("%02d-Mar-2021 %02d:%02d:%02d +0000", 1 + i % 28, i % 24, i % 60,
                        random.nextInt(60));
                int copies = i == 4 ? 2 : 1; // a genuine duplicate pair keeps two copies
                for (int c = 0; c < copies; c++) {
                    client.append(mailbox, FLAG_SETS.get(i % FLAG_SETS.size()), date, message);
                    retired += keyLine.equals(MarkerRewrapper.RETIRED) ? 1 : 0;
                }
            }
        }
        return retired;
    }

    /** The account as a multiset of "mailbox|date|flags|state|bulk digest" lines. */
    private static List<String> snapshot(String user) throws IOException {
        List<String> lines = new ArrayList<>();
        MarkerRewrapper fake = new MarkerRewrapper();
        try (ToolImapClient client = login(user, dovecot.port())) {
            for (String mailbox : client.list()) {
                SelectedMailbox box = client.select(mailbox);
                if (box.exists() == 0) {
                    continue;
                }
                for (long uid : client.sizes().keySet()) {
                    StoredMessage m = client.fetch(uid).orElseThrow();
                    String state = MarkerRewrapper.isCurrent(m.content()) ? "current"
                            : fake.bulkDigest(m.content()).isPresent() ? "retired" : "plain";
                    byte[] digest = fake.bulkDigest(m.content()).orElse(MarkerRewrapper.sha256(m.content()));
                    lines.add(mailbox + "|" + m.internalDate() + "|" + new TreeSet<>(m.flags()) + "|" + state + "|"
                            + HexFormat.of().formatHex(digest));
                }
            }
        }
        lines.sort(null);
        return lines;
    }

    private static List<String> afterRekey(List<String> before) {
        List<String> expected = new ArrayList<>();
        for (String line : before) {
            expected.add(line.replace("|retired|", "|current|"));
        }
        expected.sort(null);
        return expected;
    }

    private static RekeySummary rekey(String user, int port, RekeyListener listener, boolean dryRun) throws IOException {
        try (ToolImapClient client = login(user, port)) {
            return new RekeyEngine(client, new MarkerRewrapper(), listener, dryRun).run(List.of());
        }
    }

    @Test
    void rekeysRetiredMessagesOnlyKeepingFlagsDatesAndBulk() throws Exception {
        int retired = seed("full", 60, 1);
        List<String> before = snapshot("full");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressReporter reporter = new ProgressReporter(new PrintStream(log, true, StandardCharsets.UTF_8), false,
                () -> now[0] += 1_000_000);
        RekeySummary summary = rekey("full", dovecot.port(), reporter, false);
        reporter.finished(summary);

        assertEquals(retired, summary.count(Outcome.REKEYED));
        assertEquals(before.size() - retired, summary.count(Outcome.UNCHANGED));
        assertEquals(afterRekey(before), snapshot("full"));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("rekeyed " + retired));

        RekeySummary again = rekey("full", dovecot.port(), RekeyListener.NONE, false);
        assertEquals(before.size(), again.count(Outcome.UNCHANGED), "a rerun changes nothing");
        assertEquals(afterRekey(before), snapshot("full"));
    }

    @Test
    void dryRunReportsAndChangesNothing() throws Exception {
        int retired = seed("dry", 20, 2);
        List<String> before = snapshot("dry");
        RekeySummary summary = rekey("dry", dovecot.port(), RekeyListener.NONE, true);
        assertEquals(retired, summary.count(Outcome.WOULD_REKEY));
        assertEquals(before, snapshot("dry"));
    }

    @Test
    void rerunAfterStopsBetweenAppendAndExpungeCompletesWithoutSecondCopy() throws Exception {
        int retired = seed("crash", 20, 3);
        List<String> before = snapshot("crash");
        // Stop right after the first verified APPEND: original and copy both stored.
        long[] stoppedAt = new long[2];
        RekeyListener crashAfterAppend = new RekeyListener() {
            @Override
            public void appended(String mailbox, long oldUid, long newUid) {
                stoppedAt[0] = oldUid;
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThrows(IllegalStateException.class, () -> rekey("crash", dovecot.port(), crashAfterAppend, false));
        assertEquals(before.size() + 1, snapshot("crash").size());
        RekeySummary first = rekey("crash", dovecot.port(), RekeyListener.NONE, true);
        assertEquals(1, first.count(Outcome.WOULD_COMPLETE));

        // The next run completes that one, then stops after the next APPEND; mark the original \Deleted as a crash after the STORE would.
        List<String> mailboxes = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> rekey("crash", dovecot.port(), new RekeyListener() {
            @Override
            public void appended(String mailbox, long oldUid, long newUid) {
                mailboxes.add(mailbox);
                stoppedAt[1] = oldUid;
                throw new IllegalStateException("simulated crash");
            }
        }, false));
        try (ToolImapClient client = login("crash", dovecot.port())) {
            client.select(mailboxes.get(0));
            client.addFlags(stoppedAt[1], List.of("\\Deleted"));
        }
        RekeySummary rerun = rekey("crash", dovecot.port(), RekeyListener.NONE, false);
        assertEquals(1, rerun.count(Outcome.COMPLETED), "the \\Deleted original is paired with its copy");
        assertEquals(retired - 2, rerun.count(Outcome.REKEYED));
        assertEquals(afterRekey(before), snapshot("crash"));
    }

    @Test
    void connectionCutAtRandomPointsThenRerunLosesAndDuplicatesNothing() throws Exception {
        Random random = new Random(42);
        try (CuttingForwarder forwarder = new CuttingForwarder(dovecot.port())) {
            for (int round = 1; round <= 5; round++) {
                String user = "cut" + round;
                seed(user, 30, 100 + round);
                List<String> before = snapshot(user);
                Map<String, Integer> expectedByBulk = countByBulk(before);
                int cuts = 0;
                for (int attempt = 1; attempt <= 200; attempt++) {
                    forwarder.cutAfter(1 + random.nextInt(20_000 * attempt));
                    try {
                        rekey(user, forwarder.port(), RekeyListener.NONE, false);
                        break;
                    } catch (IOException cut) {
                        cuts++;
                    }
                    assertNothingLostOrDuplicated(expectedByBulk, snapshot(user));
                }
                forwarder.cutAfter(Long.MAX_VALUE);
                rekey(user, forwarder.port(), RekeyListener.NONE, false);
                assertTrue(cuts > 0, "round " + round + " was never cut");
                assertEquals(afterRekey(before), snapshot(user), "round " + round + " after " + cuts + " cuts");
            }
        }
    }

    private static Map<String, Integer> countByBulk(List<String> snapshot) {
        Map<String, Integer> counts = new HashMap<>();
        for (String line : snapshot) {
            counts.merge(line.substring(line.lastIndexOf('|') + 1), 1, Integer::sum);
        }
        return counts;
    }

    /** Mid-run: every original still has its original or its copy (or both), and no more copies than originals. */
    private static void assertNothingLostOrDuplicated(Map<String, Integer> expected, List<String> now) {
        Map<String, Integer> all = new HashMap<>();
        Map<String, Integer> current = new HashMap<>();
        for (String line : now) {
            String bulk = line.substring(line.lastIndexOf('|') + 1);
            all.merge(bulk, 1, Integer::sum);
            if (line.contains("|current|") && !line.contains("\\Deleted")) {
                current.merge(bulk, 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertTrue(all.getOrDefault(e.getKey(), 0) >= e.getValue(), "a message was lost");
            assertTrue(current.getOrDefault(e.getKey(), 0) <= e.getValue(), "a message was duplicated");
        }
        assertEquals(expected.keySet(), all.keySet());
    }

    @Test
    void progressShowsFailuresRateAndEta() throws Exception {
        // A FAILED outcome names the UID and reason, never content; rate and ETA from the injected clock.
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressReporter reporter = new ProgressReporter(new PrintStream(log, true, StandardCharsets.UTF_8), false,
                () -> now[0]);
        reporter.planned(2, 2 << 20);
        now[0] = 2_000_000_000L;
        reporter.examined("INBOX", 7, 1 << 20, Outcome.FAILED, "no retired key opens it");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("INBOX UID 7: failed (no retired key opens it)"));
        assertEquals("messages 1/2, 1.0 MiB/2.0 MiB, 0.5 msg/s, 0.5 MiB/s, ETA 2s", reporter.status());
    }
}
