package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 from the jar, as a user runs it, between two hosts (two Dovecot instances, one account each): acceptance
 * 1 (a first sync of 2,000 messages of mixed size, then a second run that changes nothing), acceptance 3 (the process
 * killed at random points, then a complete run converges), and {@code --watch} following changes both ways until
 * SIGTERM. Both accounts are inspected with protocol-imap's independent oracle client ({@link SyncHost}).
 */
class SyncIT {
    static final List<String> FLAG_SETS = List.of("", "\\Seen", "\\Seen \\Flagged", "\\Answered $Label1", "\\Draft",
            "\\Seen $Later", "\\Flagged");
    private static final String ARCHIVE = "Archive.2024";

    @TempDir
    Path dir;
    private SyncHost office;
    private SyncHost laptop;

    @BeforeEach
    void start() throws Exception {
        office = SyncHost.start("syncit-a", "alice@office.example", "office-pw");
        laptop = SyncHost.start("syncit-b", "alice@laptop.example", "laptop-pw");
    }

    @AfterEach
    void stop() throws Exception {
        SyncHost.stopBoth(office, laptop);
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("mailseal.yaml"), "sync:\n"
                + "  state: sync.db\n"
                + "  pollInterval: 1h\n" // --watch must follow changes through IDLE, not the periodic run
                + "  stores:\n"
                + office.storeYaml(dir, "office", null)
                + laptop.storeYaml(dir, "laptop", null)
                + "  channels:\n"
                + "    - {name: mail, a: office, b: laptop, mailboxes: [\"*\"]}\n");
    }

    @Test
    void firstSyncOfTwoThousandMessagesThenASecondRunThatChangesNothing() throws Exception {
        office.create(ARCHIVE);
        laptop.create("Lists");
        seed(office, "INBOX", "office-inbox", 1500, 40, 20, 250);
        seed(office, ARCHIVE, "office-archive", 500, 40, 20, 250);
        seed(laptop, "INBOX", "laptop-inbox", 250, 0, 20, 0);
        seed(laptop, "Lists", "laptop-lists", 100, 0, 20, 0);
        // The same ten messages, flags and dates on both hosts before their first sync: matched, not copied.
        seed(office, "INBOX", "both", 10, 0, 0, 0);
        seed(laptop, "INBOX", "both", 10, 0, 0, 0);
        Map<String, List<String>> expected = union(office.snapshot(), laptop.snapshot());
        assertThat(expected.get("INBOX")).hasSize(1760);
        Path config = config();

        long started = System.nanoTime();
        SyncJar first = SyncJar.run(config, 600);
        System.out.printf("first sync: %d ms%n", (System.nanoTime() - started) / 1_000_000);
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).as(first.toString())
                .contains("channel mail: copied 2350, matched 10, flagged 0, expunged 0, conflicts 0, folders created ");
        Map<String, List<String>> afterFirst = office.snapshot();
        assertSameMailboxes("office after the first sync", expected, afterFirst);
        assertSameMailboxes("laptop after the first sync", expected, laptop.snapshot());

        SyncJar second = SyncJar.run(config, 300);
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).as(second.toString()).contains("channel mail: nothing to do (3 mailboxes in sync)");
        assertSameMailboxes("office after the second sync", afterFirst, office.snapshot());
        assertSameMailboxes("laptop after the second sync", afterFirst, laptop.snapshot());
    }

    @Test
    void killedAtRandomPointsOfABigFirstSyncThenACompleteRunConverges() throws Exception {
        long seed = Long.getLong("syncit.seed", System.nanoTime());
        Random random = new Random(seed);
        office.create(ARCHIVE);
        seed(office, "INBOX", "office-inbox", 1200, 0, 15, 0);
        seed(office, ARCHIVE, "office-archive", 400, 0, 15, 0);
        seed(laptop, "INBOX", "laptop-inbox", 400, 0, 15, 0);
        Map<String, List<String>> expected = union(office.snapshot(), laptop.snapshot());
        Path config = config();

        List<String> rounds = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            SyncJar jar = SyncJar.start(config);
            String point;
            if (round == 0 || random.nextInt(3) == 0) {
                int delay = random.nextInt(2500); // anywhere from start-up and login to the first copies
                Thread.sleep(delay); // the kill point itself is a random moment: waiting here is the test, not a sync
                point = delay + " ms after start";
            } else {
                int statusLines = 1 + random.nextInt(4); // one every 100 messages copied
                int delay = random.nextInt(400);
                jar.awaitLine(countingLines(l -> l.startsWith("messages "), statusLines), 120_000);
                Thread.sleep(delay);
                point = delay + " ms after status line " + statusLines;
            }
            boolean killed = jar.alive();
            jar.kill();
            rounds.add("round " + round + ": " + (killed ? "killed " : "had ended before ") + point);
            String why = "seed " + seed + " (rerun with -Dsyncit.seed=" + seed + "), " + rounds;
            // Whatever the moment: nothing duplicated, no original lost, nothing that was not there before.
            assertAtMostOnceAndNothingLost(why + ", office", expected, office.snapshot(), "office-");
            assertAtMostOnceAndNothingLost(why + ", laptop", expected, laptop.snapshot(), "laptop-");
        }
        String why = "seed " + seed + " (rerun with -Dsyncit.seed=" + seed + "), " + rounds;
        System.out.println("kill rounds: " + why);
        assertThat(rounds).as("some kill must land while the sync runs: " + why).anyMatch(r -> r.contains(": killed"));

        SyncJar complete = SyncJar.run(config, 600);
        assertThat(complete.exitCode()).as(why + "\n" + complete).isZero();
        assertSameMailboxes(why + ", office after the complete run", expected, office.snapshot());
        assertSameMailboxes(why + ", laptop after the complete run", expected, laptop.snapshot());
        SyncJar again = SyncJar.run(config, 300);
        assertThat(again.exitCode()).as(why + "\n" + again).isZero();
        assertThat(again.out()).as(why + "\n" + again).contains("nothing to do");
    }

    @Test
    void watchFollowsChangesBothWaysAndStopsCleanlyOnSigterm() throws Exception {
        seed(office, "INBOX", "office-inbox", 20, 0, 0, 0);
        seed(laptop, "INBOX", "laptop-inbox", 5, 0, 0, 0);
        Path config = config();
        try (SyncJar watch = SyncJar.start(config, "--watch")) {
            assertThat(watch.awaitLine(l -> l.startsWith("channel mail: "), 120_000)).as(watch.toString()).isTrue();
            assertThat(watch.out()).as(watch.toString()).contains("channel mail: copied 25,");

            // Appended as soon as the first run reported, before the watches are surely in place: it must not wait
            // for the poll interval (an hour here).
            byte[] late = message("late", 1, 2_000);
            office.append("INBOX", List.of(late), List.of("\\Seen"), List.of(date(1)));
            String lateId = SyncHost.messageId(late).orElseThrow();
            long uidOnLaptop = awaitMessage(laptop, lateId, flags -> true, watch);

            laptop.storeFlags("INBOX", uidOnLaptop, "+FLAGS (\\Flagged $Work)");
            awaitMessage(office, lateId, flags -> flags.containsAll(Set.of("\\Seen", "\\Flagged", "$Work")), watch);

            watch.terminate(); // SIGTERM
            int exit = watch.waitFor(60);
            System.out.println("--watch exit code on SIGTERM: " + exit);
            // SyncCommand lets the run in progress finish in its shutdown hook; the JVM then exits with 143
            // (128 + SIGTERM) as for any signal, or 0 if the command returned first.
            assertThat(exit).as(watch.toString()).isIn(0, 143);
            assertThat(watch.err()).as(watch.toString()).doesNotContain("Exception");
        }
        SyncJar once = SyncJar.run(config, 300, "--once");
        assertThat(once.exitCode()).as("the state must not stay locked: " + once).isZero();
        assertThat(once.out()).as(once.toString()).contains("channel mail: nothing to do");
        assertSameMailboxes("after --watch", office.snapshot(), laptop.snapshot());
    }

    /** Waits (bounded: 30 s) until a message appears with flags that satisfy the check; returns its UID. */
    private static long awaitMessage(SyncHost host, String messageId, Predicate<Set<String>> flags, SyncJar watch) {
        List<List<SyncHost.Message>> seen = new ArrayList<>(List.of(List.of()));
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                List<SyncHost.Message> now = host.messages("INBOX").stream()
                        .filter(m -> m.messageId().equals(messageId)).toList();
                seen.set(0, now);
                assertThat(now.size()).as("copies of " + messageId).isLessThanOrEqualTo(1);
                return now.size() == 1 && flags.test(now.get(0).flags());
            });
        } catch (ConditionTimeoutException e) {
            return fail("within 30 s, " + messageId + " did not reach " + host.user + " as expected (found: "
                    + seen.get(0).stream().map(SyncHost.Message::line).toList() + ")\n" + watch);
        }
        return seen.get(0).get(0).uid();
    }

    /** Matches once {@code count} lines have matched {@code line}. */
    private static Predicate<String> countingLines(Predicate<String> line, int count) {
        int[] seen = {0};
        return l -> line.test(l) && ++seen[0] >= count;
    }

    /**
     * Appends {@code count} messages: most of a few KiB, every {@code largeEvery}th 100 to 160 KiB, every
     * {@code hugeEvery}th about 1 MiB (0: none), with assorted flags (system flags and keywords) and dates.
     */
    static void seed(SyncHost host, String mailbox, String tag, int count, int offset, int largeEvery, int hugeEvery)
            throws Exception {
        Random random = new Random(tag.hashCode());
        for (int start = 0; start < count; start += 100) {
            List<byte[]> messages = new ArrayList<>();
            List<String> flags = new ArrayList<>();
            List<String> dates = new ArrayList<>();
            for (int n = start; n < Math.min(count, start + 100); n++) {
                int size = hugeEvery > 0 && n % hugeEvery == hugeEvery - 1 ? 1_000_000 + random.nextInt(48_000)
                        : largeEvery > 0 && n % largeEvery == 3 ? 100_000 + random.nextInt(60_000)
                        : 1_000 + random.nextInt(7_000);
                messages.add(message(tag, n + offset, size));
                flags.add(FLAG_SETS.get((n + tag.length()) % FLAG_SETS.size()));
                dates.add(date(n));
            }
            host.append(mailbox, messages, flags, dates);
        }
    }

    /** A message of about {@code size} bytes, Message-ID {@code <tag-n@example.org>}, a random Base64 body. */
    static byte[] message(String tag, int n, int size) {
        byte[] body = new byte[Math.max(16, size * 3 / 4)];
        new Random(tag.hashCode() * 31L + n).nextBytes(body);
        return ("From: sender" + n % 17 + "@example.net\r\nTo: alice@example.org\r\nSubject: " + tag + " message " + n
                + "\r\nMessage-ID: <" + tag + "-" + n + "@example.org>\r\nDate: Mon, 1 Mar 2021 10:00:00 +0000\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(body) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static String date(int n) {
        return String.format("%02d-%s-20%02d %02d:%02d:%02d +0%d00", 1 + n % 28,
                List.of("Jan", "Mar", "Jun", "Nov").get(n % 4), 10 + n % 15, n % 24, n % 60, n % 59, n % 3);
    }

    /** Per mailbox, the messages of both hosts, each once. */
    static Map<String, List<String>> union(Map<String, List<String>> a, Map<String, List<String>> b) {
        Map<String, List<String>> union = new TreeMap<>();
        for (Map<String, List<String>> side : List.of(a, b)) {
            side.forEach((folder, lines) -> union.computeIfAbsent(folder, f -> new ArrayList<>()).addAll(lines));
        }
        union.replaceAll((folder, lines) -> new ArrayList<>(new TreeSet<>(lines)));
        return union;
    }

    /** Same mailboxes, same messages (Message-ID, SHA-256 of the content, flags, internal date); a short diff if not. */
    static void assertSameMailboxes(String what, Map<String, List<String>> expected, Map<String, List<String>> actual) {
        if (expected.equals(actual)) {
            return;
        }
        StringBuilder diff = new StringBuilder(what + ": mailboxes differ; expected " + expected.keySet() + ", found "
                + actual.keySet());
        for (String folder : new TreeSet<>(union(expected, actual).keySet())) {
            List<String> want = expected.getOrDefault(folder, List.of());
            List<String> have = actual.getOrDefault(folder, List.of());
            List<String> missing = new ArrayList<>(want);
            have.forEach(missing::remove);
            List<String> extra = new ArrayList<>(have);
            want.forEach(extra::remove);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                diff.append("\n  ").append(folder).append(": ").append(want.size()).append(" expected, ")
                        .append(have.size()).append(" found; missing ").append(missing.size()).append(' ')
                        .append(missing.stream().limit(5).toList()).append("; unexpected ").append(extra.size())
                        .append(' ').append(extra.stream().limit(5).toList());
            }
        }
        fail(diff.toString());
    }

    /**
     * Mid-sync: every Message-ID at most once per mailbox, every message seeded on this host ({@code ownTag}) still
     * there, and nothing that is not one of the seeded messages (flags aside: a merge may be half done).
     */
    private static void assertAtMostOnceAndNothingLost(String what, Map<String, List<String>> expected,
                                                       Map<String, List<String>> actual, String ownTag) {
        for (String folder : actual.keySet()) {
            Map<String, Long> counts = actual.get(folder).stream()
                    .collect(Collectors.groupingBy(l -> l.substring(0, l.indexOf(' ')), Collectors.counting()));
            Map<String, Long> twice = new HashMap<>(counts);
            twice.values().removeIf(c -> c < 2);
            assertThat(twice).as(what + ": duplicated in " + folder).isEmpty();
            Set<String> known = expected.getOrDefault(folder, List.of()).stream()
                    .map(SyncIT::idAndDigest).collect(Collectors.toSet());
            Set<String> unknown = actual.get(folder).stream()
                    .map(SyncIT::idAndDigest)
                    .filter(k -> !known.contains(k)).collect(Collectors.toSet());
            assertThat(unknown).as(what + ": not seeded anywhere, in " + folder).isEmpty();
        }
        for (Map.Entry<String, List<String>> folder : expected.entrySet()) {
            Set<String> have = actual.getOrDefault(folder.getKey(), List.of()).stream()
                    .map(l -> l.substring(0, l.indexOf(' '))).collect(Collectors.toSet());
            List<String> lost = folder.getValue().stream().map(l -> l.substring(0, l.indexOf(' ')))
                    .filter(id -> id.startsWith("<" + ownTag) && !have.contains(id)).toList();
            assertThat(lost).as(what + ": lost from " + folder.getKey()).isEmpty();
        }
    }

    /** "Message-ID SHA-256" of a {@link SyncHost.Message#line()}. */
    private static String idAndDigest(String line) {
        String[] words = line.split(" ", 3);
        return words[0] + " " + words[1];
    }
}
