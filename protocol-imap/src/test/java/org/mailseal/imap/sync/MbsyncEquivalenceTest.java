package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.imap.testing.OracleImapClient;

/**
 * Issue 7, acceptance 5: the same plaintext scenario synced by mbsync (Debian's isync 1.4) ends in the same state
 * as mailseal's. Four accounts on one Dovecot: pair 1 ({@code m1a}, {@code m1b}) is synced by mailseal's
 * {@link ChannelSync}, pair 2 ({@code m2a}, {@code m2b}) by mbsync over an IMAP-to-IMAP channel ({@code Sync All},
 * {@code Create Both}, {@code Expunge Both}, all folders). Both pairs are seeded alike and synced, get the same
 * changes on both sides (new mail, flag changes, expunges, a move between folders, a new folder) and are synced
 * again; then every folder of every mailbox is compared across the pairs as a multiset of Message-ID, flags and
 * SHA-256 of the content.
 *
 * <h2>Where the two tools differ, and what the scenario leaves out because of it</h2>
 * <ul>
 *   <li><b>Keywords.</b> mbsync 1.4 synchronises only the system flags \Seen, \Answered, \Flagged, \Deleted and
 *       \Draft (mbsync(1): "only the system flags are synchronized"); mailseal synchronises keywords too. The
 *       scenario uses system flags only.</li>
 *   <li><b>\Deleted.</b> mbsync treats \Deleted as a flag to propagate and, with {@code Expunge Both}, expunges every
 *       \Deleted message on both sides at the end of a run, including ones it did not mark. mailseal never expunges
 *       a message it did not see vanish: a message marked \Deleted but still there is an ordinary message whose
 *       \Deleted flag is synchronised; only its expunge, whenever a client makes it, propagates (it expunges only
 *       the UIDs it means, UID EXPUNGE). So in the common scenario every deletion is a client's STORE \Deleted
 *       followed at once by EXPUNGE; {@link #aDeletedButNotExpungedMessageIsWhereTheToolsDiffer} pins the
 *       difference down.</li>
 *   <li><b>X-TUID.</b> mbsync inserts an {@code X-TUID:} header into every message it copies (to find the copy
 *       again); mailseal copies the bytes unchanged. The comparison leaves that one header line out of the digest,
 *       and checks separately that mailseal's copies are byte for byte the originals.</li>
 *   <li><b>The safety valve.</b> mailseal holds back a run's expunges beyond a share of a mailbox (25% by
 *       default) until forced; mbsync has no such valve. The folders here are small, so mailseal runs forced.</li>
 *   <li><b>INTERNALDATE</b> is kept by mailseal, by mbsync only with {@code CopyArrivalDate yes} (set here); not
 *       part of the comparison, which the acceptance defines as Message-ID, flags and content.</li>
 * </ul>
 */
class MbsyncEquivalenceTest {
    private static final List<String> FOLDERS = List.of("INBOX", "Work", "Projects");
    private static final Pattern X_TUID = Pattern.compile("(?m)^X-TUID: [^\\r\\n]*\\r\\n");
    private static SyncFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        fixture = SyncFixture.start("mbsynceq", List.of("m1", "m2", "d1", "d2"));
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @Test
    void theSameScenarioEndsInTheSameStateAsWithMbsync() throws Exception {
        for (String pair : List.of("m1", "m2")) {
            seed(pair);
        }
        ChannelConfig channel = fixture.channel("m1", List.of("*"));
        Path mbsyncrc = mbsyncConfig("m2");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            fixture.sync(state, channel, true);
            mbsync(mbsyncrc);
            assertSameState("after the first sync");

            for (String pair : List.of("m1", "m2")) {
                scenario(pair);
            }
            ChannelSummary summary = fixture.sync(state, channel, true);
            mbsync(mbsyncrc);
            assertSameState("after the scenario (mailseal: " + summary + ")");
            assertEquals(List.of("A:Projects"), summary.foldersCreated());

            // A second run changes nothing for either tool.
            assertTrue(fixture.sync(state, channel, true).changedNothing());
            mbsync(mbsyncrc);
            assertSameState("after a second run");
        }
        // mailseal's copies are the originals to the byte (mbsync's carry its X-TUID line).
        for (String folder : FOLDERS) {
            assertEquals(folder(fixture.messages("m1a", folder), false), folder(fixture.messages("m1b", folder), false),
                    folder);
        }
    }

    /**
     * A message marked \Deleted and left there: mbsync ({@code Expunge Both}) expunges it on both sides; mailseal
     * carries the flag over and expunges nothing, until a client expunges it, which then propagates.
     */
    @Test
    void aDeletedButNotExpungedMessageIsWhereTheToolsDiffer() throws Exception {
        for (String pair : List.of("d1", "d2")) {
            for (int n = 1; n <= 3; n++) {
                fixture.append(pair + "a", "INBOX", raw(n, "\\Seen"));
            }
        }
        ChannelConfig channel = fixture.channel("d1", List.of("INBOX"));
        Path mbsyncrc = mbsyncConfig("d2");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            fixture.sync(state, channel, true);
            mbsync(mbsyncrc);
            for (String pair : List.of("d1", "d2")) {
                long uid = fixture.uidOf(pair + "a", "INBOX", "<eq2@example.org>");
                fixture.command(pair + "a", "INBOX", "UID STORE " + uid + " +FLAGS (\\Deleted)");
            }
            fixture.sync(state, channel, true);
            mbsync(mbsyncrc);
            for (String side : List.of("a", "b")) {
                assertEquals(Map.of("<eq1@example.org>", Set.of("\\Seen"), "<eq2@example.org>",
                        Set.of("\\Seen", "\\Deleted"), "<eq3@example.org>", Set.of("\\Seen")),
                        fixture.flagsByMessageId("d1" + side, "INBOX"), "mailseal keeps it, flag synchronised");
                assertEquals(Map.of("<eq1@example.org>", Set.of("\\Seen"), "<eq3@example.org>", Set.of("\\Seen")),
                        fixture.flagsByMessageId("d2" + side, "INBOX"), "mbsync expunges it on both sides");
            }
            // Once a client expunges it, mailseal ends where mbsync did.
            fixture.command("d1a", "INBOX", "EXPUNGE");
            fixture.sync(state, channel, true);
            assertEquals(fixture.flagsByMessageId("d2b", "INBOX"), fixture.flagsByMessageId("d1b", "INBOX"));
        }
    }

    /** A: INBOX with 1-8, Work with 9-12; B: INBOX with 13-14. System flags only. */
    private static void seed(String pair) throws IOException {
        List<String> flags = List.of("\\Seen", "\\Seen \\Flagged", "", "\\Answered \\Seen", "\\Draft", "\\Seen");
        fixture.create(pair + "a", "Work");
        for (int n = 1; n <= 14; n++) {
            String user = pair + (n <= 12 ? "a" : "b");
            fixture.append(user, n <= 8 || n > 12 ? "INBOX" : "Work", raw(n, flags.get(n % flags.size())));
        }
    }

    /** The same changes on both sides of a pair; each message is changed on one side only. */
    private static void scenario(String pair) throws IOException {
        String a = pair + "a";
        String b = pair + "b";
        fixture.append(a, "INBOX", raw(20, "\\Seen"));                         // new mail on both sides
        fixture.append(b, "Work", raw(21, ""));
        flag(a, "INBOX", 1, "+FLAGS (\\Flagged)");                            // flag changes on both sides
        flag(a, "INBOX", 2, "-FLAGS (\\Seen)");
        flag(b, "INBOX", 3, "+FLAGS (\\Answered \\Seen)");
        flag(b, "Work", 9, "-FLAGS (\\Seen)");
        flag(b, "INBOX", 13, "+FLAGS (\\Draft)");
        fixture.expunge(a, "INBOX", fixture.uidOf(a, "INBOX", id(4)));           // expunges on both sides
        fixture.expunge(b, "Work", fixture.uidOf(b, "Work", id(10)));
        fixture.expunge(b, "INBOX", fixture.uidOf(b, "INBOX", id(14)));
        fixture.move(a, "INBOX", fixture.uidOf(a, "INBOX", id(6)), "Work");    // a move between folders
        fixture.create(b, "Projects");                                          // a new folder, with mail
        fixture.append(b, "Projects", raw(22, "\\Flagged"));
    }

    private static void flag(String user, String folder, int n, String change) throws IOException {
        fixture.command(user, folder, "UID STORE " + fixture.uidOf(user, folder, id(n)) + " " + change);
    }

    private static String id(int n) {
        return "<eq" + n + "@example.org>";
    }

    private static SyncFixture.Raw raw(int n, String flags) {
        Set<String> set = new TreeSet<>(List.of(flags.split(" ")));
        set.remove("");
        byte[] content = ("From: a@example.org\r\nTo: b@example.org\r\nSubject: message " + n + "\r\nMessage-ID: "
                + id(n) + "\r\nDate: Mon, 1 Mar 2021 10:00:00 +0000\r\n\r\nbody of message " + n + "\r\n" + "x".repeat(n * 37)
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        return new SyncFixture.Raw(0, set, SyncFixture.date(n), content);
    }

    /** Every folder of every mailbox of both pairs, side by side; also each pair's A and B against each other. */
    private static void assertSameState(String when) throws IOException {
        Map<String, List<String>> mailseal = new TreeMap<>();
        Map<String, List<String>> mbsync = new TreeMap<>();
        for (String side : List.of("a", "b")) {
            for (String folder : folders("m1" + side)) {
                mailseal.put(side + ":" + folder, folder(fixture.messages("m1" + side, folder), true));
            }
            for (String folder : folders("m2" + side)) {
                mbsync.put(side + ":" + folder, folder(fixture.messages("m2" + side, folder), true));
            }
        }
        assertEquals(mbsync, mailseal, when + ": mailseal's pair (right) against mbsync's (left)");
        for (String folder : FOLDERS) {
            assertEquals(mailseal.get("a:" + folder), mailseal.get("b:" + folder), when + ": " + folder);
        }
    }

    private static List<String> folders(String user) throws IOException {
        try (OracleImapClient client = new OracleImapClient("127.0.0.1", fixture.port())) {
            client.command("LOGIN " + user + "@example.org " + SyncFixture.PASSWORD);
            List<String> names = new ArrayList<>();
            for (String line : client.commandLines("LIST \"\" \"*\"")) {
                if (line.startsWith("* LIST ")) {
                    String name = line.strip();
                    name = name.substring(name.lastIndexOf(' ') + 1).replace("\"", "");
                    names.add(name);
                }
            }
            names.sort(null);
            return names;
        }
    }

    /** A folder as a sorted multiset of "Message-ID|flags|SHA-256", optionally without mbsync's X-TUID header. */
    private static List<String> folder(List<SyncFixture.Raw> messages, boolean withoutTuid) {
        List<String> lines = new ArrayList<>();
        for (SyncFixture.Raw m : messages) {
            byte[] content = m.content();
            if (withoutTuid) {
                String text = new String(content, StandardCharsets.ISO_8859_1);
                int end = text.indexOf("\r\n\r\n");
                text = X_TUID.matcher(text.substring(0, end + 2)).replaceAll("") + text.substring(end + 2);
                content = text.getBytes(StandardCharsets.ISO_8859_1);
            }
            lines.add(MailboxSync.messageId(m.content()) + "|" + new TreeSet<>(m.flags()) + "|"
                    + HexFormat.of().formatHex(SyncFixture.sha256(content)));
        }
        lines.sort(null);
        return lines;
    }

    /** An mbsync configuration for the pair's two accounts: every folder, everything both ways. */
    private Path mbsyncConfig(String pair) throws IOException {
        Path state = Files.createDirectories(dir.resolve(pair + "-mbsync-state"));
        Path password = dir.resolve(pair + ".pw");
        Files.writeString(password, SyncFixture.PASSWORD + "\n");
        StringBuilder rc = new StringBuilder();
        for (String side : List.of("a", "b")) {
            rc.append("IMAPAccount ").append(side).append("\nHost 127.0.0.1\nPort ").append(fixture.port())
                    .append("\nUser ").append(pair).append(side).append("@example.org\nPassCmd \"head -n1 '")
                    .append(password).append("'\"\nSSLType None\nAuthMechs LOGIN\n\nIMAPStore ").append(side)
                    .append("\nAccount ").append(side).append("\n\n");
        }
        rc.append("Channel ").append(pair).append("\nFar :a:\nNear :b:\nPatterns *\nSync All\nCreate Both\n"
                + "Expunge Both\nCopyArrivalDate yes\nSyncState ").append(state).append("/\n");
        Path file = dir.resolve(pair + ".mbsyncrc");
        Files.writeString(file, rc);
        return file;
    }

    private static void mbsync(Path config) throws IOException, InterruptedException {
        String channel = config.getFileName().toString().replace(".mbsyncrc", "");
        Process p = new ProcessBuilder("mbsync", "-c", config.toString(), channel).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mbsync hangs");
        assertEquals(0, p.exitValue(), "mbsync failed:\n" + new String(output, StandardCharsets.UTF_8));
    }
}
