package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, acceptance 2: rounds of random operations on both sides of a channel (new mail, flag changes, expunges,
 * moves between folders), a sync after each, and both sides checked against a reference model: every message the
 * model holds is on both sides exactly once, in its folder, with its flags.
 *
 * <p>Within a round a message is changed on one side at most (two sides changing one message is the conflict rule,
 * tested on its own in {@link MailboxSyncTest}). The seed is printed and in every failure message; replay it with
 * {@code -Dsync.seed=N}.
 */
class RandomizedSyncTest {
    private static final List<String> FOLDERS = List.of("INBOX", "Work", "Archive");
    private static final List<String> FLAGS = List.of("\\Seen", "\\Flagged", "\\Answered", "$Work");
    private static final int ROUNDS = 20;
    private static SyncFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        fixture = SyncFixture.start("randsync", List.of("rand"));
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    /** What the model says a message is: where it lives and its flags. */
    private record Entry(String folder, Set<String> flags) {}

    @Test
    void randomOperationsOnBothSidesConvergeAfterEverySync() throws Exception {
        long seed = Long.getLong("sync.seed", System.nanoTime());
        System.out.println("RandomizedSyncTest seed=" + seed + " (replay with -Dsync.seed=" + seed + ")");
        Random random = new Random(seed);
        for (String folder : FOLDERS.subList(1, FOLDERS.size())) {
            fixture.create("randa", folder);
            fixture.create("randb", folder);
        }
        Map<String, Entry> model = new TreeMap<>();
        int next = 0;
        ChannelConfig channel = fixture.channel("rand", FOLDERS);
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            for (int round = 1; round <= ROUNDS; round++) {
                String where = "seed " + seed + ", round " + round + ": ";
                Set<String> touched = new HashSet<>();
                int operations = 1 + random.nextInt(round == 1 ? 30 : 10);
                for (int op = 0; op < operations; op++) {
                    String side = random.nextBoolean() ? "randa" : "randb";
                    List<String> untouched = model.keySet().stream().filter(id -> !touched.contains(id)).toList();
                    int kind = untouched.isEmpty() ? 0 : random.nextInt(round == 1 ? 2 : 5);
                    if (kind <= 1) {
                        String id = "<r" + next++ + "." + seed + "@example.org>";
                        Set<String> flags = randomFlags(random);
                        String folder = FOLDERS.get(random.nextInt(FOLDERS.size()));
                        fixture.append(side, folder, new SyncFixture.Raw(0, flags, SyncFixture.date(next),
                                message(id, random)));
                        model.put(id, new Entry(folder, flags));
                        touched.add(id);
                        continue;
                    }
                    String id = untouched.get(random.nextInt(untouched.size()));
                    Entry entry = model.get(id);
                    touched.add(id);
                    long uid = fixture.uidOf(side, entry.folder(), id);
                    if (kind == 2 || kind == 3) {
                        String flag = FLAGS.get(random.nextInt(FLAGS.size()));
                        Set<String> flags = new TreeSet<>(entry.flags());
                        boolean add = !flags.contains(flag);
                        fixture.command(side, entry.folder(), "UID STORE " + uid + (add ? " +" : " -") + "FLAGS ("
                                + flag + ")");
                        if (add) {
                            flags.add(flag);
                        } else {
                            flags.remove(flag);
                        }
                        model.put(id, new Entry(entry.folder(), flags));
                    } else if (random.nextBoolean()) {
                        fixture.expunge(side, entry.folder(), uid);
                        model.remove(id);
                    } else {
                        String to = FOLDERS.get((FOLDERS.indexOf(entry.folder()) + 1 + random.nextInt(2))
                                % FOLDERS.size());
                        fixture.move(side, entry.folder(), uid, to);
                        model.put(id, new Entry(to, entry.flags()));
                    }
                }
                ChannelSummary summary = fixture.sync(state, channel, true);
                for (String side : List.of("randa", "randb")) {
                    assertEquals(expected(model), actual(side), where + side + " after " + summary);
                }
            }
            assertEquals(true, fixture.sync(state, channel, false).changedNothing(), "seed " + seed);
        }
    }

    private static Set<String> randomFlags(Random random) {
        Set<String> flags = new TreeSet<>();
        for (String flag : FLAGS) {
            if (random.nextInt(3) == 0) {
                flags.add(flag);
            }
        }
        return flags;
    }

    private static byte[] message(String id, Random random) {
        StringBuilder body = new StringBuilder();
        int lines = 1 + random.nextInt(40);
        for (int i = 0; i < lines; i++) {
            body.append("line ").append(i).append(' ').append(Long.toHexString(random.nextLong())).append("\r\n");
        }
        return ("From: x@example.org\r\nTo: y@example.org\r\nMessage-ID: " + id + "\r\nSubject: " + id + "\r\n\r\n"
                + body).getBytes(StandardCharsets.US_ASCII);
    }

    /** "folder|Message-ID|flags" lines, sorted; a duplicate shows as a repeated line. */
    private static List<String> expected(Map<String, Entry> model) {
        List<String> lines = new ArrayList<>();
        model.forEach((id, e) -> lines.add(e.folder() + "|" + id + "|" + new TreeSet<>(e.flags())));
        lines.sort(null);
        return lines;
    }

    private static List<String> actual(String user) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String folder : FOLDERS) {
            for (SyncFixture.Raw m : fixture.messages(user, folder)) {
                lines.add(folder + "|" + MailboxSync.messageId(m.content()) + "|" + new TreeSet<>(m.flags()));
            }
        }
        lines.sort(null);
        return lines;
    }
}
