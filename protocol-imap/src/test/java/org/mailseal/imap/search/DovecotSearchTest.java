package org.mailseal.imap.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.testing.OracleImapClient;
import org.mailseal.imap.testing.ThrowawayDovecot;
import org.mailseal.imap.message.MessageView;

/**
 * Differential test against a throwaway Dovecot 2.3 ({@code src/test/dovecot/dovecot.sh}): the corpus is APPENDed
 * with varied flags and dates, then every program of {@code search/programs.txt} must select the same UIDs on
 * Dovecot as {@link SearchProgram#matches} over {@link MessageView}s of the same octets and Dovecot's FETCH facts.
 * Each program is also sent re-serialized ({@link SearchProgram#wire}) and as its {@link SearchProgram#superset},
 * which Dovecot must accept and which must select at least the same messages.
 */
class DovecotSearchTest {
    private static final Pattern FETCH = Pattern.compile(
            "^\\* (\\d+) FETCH \\(UID (\\d+) MODSEQ \\((\\d+)\\) FLAGS \\(([^)]*)\\) INTERNALDATE \"([^\"]+)\" "
            + "RFC822.SIZE (\\d+)\\)");
    private static final DateTimeFormatter INTERNALDATE =
            DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);

    private static ThrowawayDovecot dovecot;
    private static OracleImapClient imap;
    private static final TreeMap<Long, MessageFacts> FACTS = new TreeMap<>();

    @BeforeAll
    static void startDovecotAndAppend() throws Exception {
        dovecot = ThrowawayDovecot.start("dovecot-search", List.of());
        imap = new OracleImapClient("127.0.0.1", dovecot.port());
        imap.command("LOGIN oracle@example.org oraclepw");
        imap.command("ENABLE CONDSTORE");
        imap.command("CREATE search");
        List<byte[]> corpus = corpus();
        TreeMap<Long, byte[]> messages = new TreeMap<>();
        for (int i = 0; i < corpus.size(); i++) {
            // Half the messages arrive before SELECT, half after, so \Recent differs too.
            if (i == corpus.size() / 2) {
                imap.command("SELECT search");
            }
            messages.put(imap.append("search", flags(i), date(i), corpus.get(i)), corpus.get(i));
        }
        if (corpus.size() < 2) {
            imap.command("SELECT search");
        }
        List<String> fetched = imap.commandLines("UID FETCH 1:* (UID MODSEQ FLAGS INTERNALDATE RFC822.SIZE)");
        List<Matcher> rows = fetched.stream().map(FETCH::matcher).filter(Matcher::find).toList();
        long highestUid = rows.stream().mapToLong(m -> Long.parseLong(m.group(2))).max().orElse(0);
        MessageFacts.Mailbox mailbox = new MessageFacts.Mailbox(rows.size(), highestUid, Instant.now());
        for (Matcher m : rows) {
            long uid = Long.parseLong(m.group(2));
            MessageView view = MessageView.parse(messages.get(uid), 100, 10_000);
            assertThat(view.size()).as("size of UID %d", uid).isEqualTo(Integer.parseInt(m.group(6)));
            Set<String> flags = m.group(4).isEmpty() ? Set.of() : Set.of(m.group(4).split(" "));
            FACTS.put(uid, new MessageFacts(uid, Long.parseLong(m.group(1)), flags,
                    OffsetDateTime.parse(m.group(5).strip(), INTERNALDATE), Long.parseLong(m.group(3)), view,
                    mailbox));
        }
        assertThat(FACTS).hasSize(corpus.size());
    }

    private static String flags(int i) {
        List<String> f = new ArrayList<>();
        if (i % 3 == 0) {
            f.add("\\Seen");
        }
        if (i % 4 == 1) {
            f.add("\\Flagged");
        }
        if (i % 5 == 2) {
            f.add("\\Answered");
        }
        if (i % 7 == 3) {
            f.add("\\Deleted");
        }
        if (i % 6 == 4) {
            f.add("\\Draft");
        }
        if (i % 2 == 0) {
            f.add("$Label");
        }
        return String.join(" ", f);
    }

    /** Dates late in the day in a zone east of UTC, so the date differs between zones. */
    private static String date(int i) {
        return String.format(Locale.ROOT, "%02d-Apr-2025 %02d:30:00 +0200", 1 + i % 20, 20 + i % 4);
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        try {
            if (imap != null) {
                imap.close();
            }
        } finally {
            if (dovecot != null) {
                dovecot.close();
            }
        }
    }

    static List<byte[]> corpus() throws IOException, URISyntaxException {
        List<byte[]> messages = new ArrayList<>();
        for (String dir : List.of("/messages", "/search")) {
            try (Stream<Path> list = Files.list(Paths.get(DovecotSearchTest.class.getResource(dir).toURI()))) {
                for (Path f : list.filter(f -> f.toString().endsWith(".eml")).sorted().toList()) {
                    messages.add(Files.readAllBytes(f));
                }
            }
        }
        return messages;
    }

    static List<String> programs() throws IOException, URISyntaxException {
        Path file = Paths.get(DovecotSearchTest.class.getResource("/search/programs.txt").toURI());
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    @Test
    void everyProgramSelectsWhatDovecotSelects() throws Exception {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (String text : programs()) {
            SearchProgram program;
            try {
                program = Programs.parse(text);
            } catch (RuntimeException e) {
                throw new AssertionError("cannot parse " + text, e);
            }
            String octets = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            TreeSet<Long> dovecot = imap.uidSearch(octets);
            TreeSet<Long> rewired = imap.uidSearch(program.wire(true));
            TreeSet<Long> superset = imap.uidSearch(program.superset());
            TreeSet<Long> ours = new TreeSet<>();
            FACTS.forEach((uid, facts) -> {
                if (program.matches(facts)) {
                    ours.add(uid);
                }
            });
            compared++;
            if (!rewired.equals(dovecot)) {
                mismatches.add(text + "\n  re-serialized as " + program.wire(true) + " selects " + rewired);
            }
            if (!superset.containsAll(dovecot)) {
                mismatches.add(text + "\n  superset " + program.superset() + " misses " + minus(dovecot, superset));
            }
            if (!ours.equals(dovecot)) {
                mismatches.add(text + "\n  dovecot only: " + minus(dovecot, ours) + "\n  ours only:    "
                        + minus(ours, dovecot));
            }
        }
        System.out.println("DovecotSearchTest: " + compared + " programs over " + FACTS.size() + " messages, "
                + mismatches.size() + " mismatches");
        mismatches.forEach(System.out::println);
        assertThat(mismatches).isEmpty();
    }

    private static Set<Long> minus(Set<Long> a, Set<Long> b) {
        Set<Long> d = new HashSet<>(a);
        d.removeAll(b);
        return new TreeSet<>(d);
    }
}
