package org.mailseal.imap.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.testing.OracleImapClient;
import org.mailseal.imap.testing.ThrowawayDovecot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test: every corpus message is APPENDed to a throwaway Dovecot 2.3 (the oracle,
 * {@code src/test/dovecot/dovecot.sh}) and each FETCH item Dovecot answers must be byte-identical to what
 * {@link MessageView} computes from the message alone. On a mismatch the test prints every differing item.
 */
class DovecotOracleTest {
    private static final String MAILBOX = "oracle";

    /** Sections asked for every message; most do not exist in most messages, which is checked too. */
    static final List<String> SECTIONS = List.of(
            "", "HEADER", "TEXT", "1", "1.MIME", "2", "2.MIME", "3", "3.MIME", "1.1", "1.2", "2.1", "2.2",
            "1.1.1", "2.1.1", "2.1.2", "2.2.1", "1.1.MIME", "2.1.MIME", "2.1.1.MIME", "1.HEADER", "1.TEXT",
            "2.HEADER", "2.TEXT", "1.1.HEADER", "2.1.HEADER", "2.1.TEXT", "1.1.1.HEADER", "9", "1.9", "2.9.1",
            "HEADER.FIELDS (FROM SUBJECT X-NOTHERE)", "HEADER.FIELDS.NOT (SUBJECT)",
            "HEADER.FIELDS (CONTENT-TYPE DATE TO CC MESSAGE-ID)", "HEADER.FIELDS.NOT (FROM TO CONTENT-TYPE)",
            "1.HEADER.FIELDS (CONTENT-TYPE FROM)", "2.HEADER.FIELDS (SUBJECT)", "1.HEADER.FIELDS.NOT (FROM)",
            "2.HEADER.FIELDS.NOT (CONTENT-TYPE)", "1.1.HEADER.FIELDS (SUBJECT)");

    private static ThrowawayDovecot dovecot;
    private static OracleImapClient imap;

    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = ThrowawayDovecot.start("dovecot-oracle", List.of());
        imap = new OracleImapClient("127.0.0.1", dovecot.port());
        imap.command("LOGIN oracle@example.org oraclepw");
        imap.command("CREATE " + MAILBOX);
        imap.command("SELECT " + MAILBOX);
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

    static Stream<Path> corpus() throws IOException, URISyntaxException {
        Path dir = Paths.get(DovecotOracleTest.class.getResource("/messages").toURI());
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.filter(f -> f.toString().endsWith(".eml")).sorted().forEach(files::add);
        }
        return files.stream();
    }

    @Test
    void corpusIsLargeAndUsesCrlfLineEnds() throws Exception {
        List<Path> files = corpus().toList();
        assertThat(files).hasSizeGreaterThanOrEqualTo(25);
        for (Path f : files) {
            byte[] m = Files.readAllBytes(f);
            for (int i = 0; i < m.length; i++) {
                if (m[i] == '\n') {
                    assertThat(i > 0 && m[i - 1] == '\r').as("bare LF in %s at %d", f.getFileName(), i).isTrue();
                }
                if (m[i] == '\r') {
                    assertThat(i + 1 < m.length && m[i + 1] == '\n').as("bare CR in %s at %d", f.getFileName(), i)
                            .isTrue();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void everyItemMatchesDovecot(Path file) throws IOException {
        byte[] message = Files.readAllBytes(file);
        long uid = imap.append(MAILBOX, message);
        StringBuilder items = new StringBuilder("RFC822.SIZE BODYSTRUCTURE BODY ENVELOPE");
        for (String s : SECTIONS) {
            items.append(" BODY.PEEK[").append(s).append(']');
        }
        Map<String, byte[]> dovecot = imap.fetch(uid, items.toString());
        MessageView view = MessageView.parse(message, 100, 10_000);

        List<String> mismatches = new ArrayList<>();
        compare(mismatches, "RFC822.SIZE", dovecot, Integer.toString(view.size()).getBytes(StandardCharsets.US_ASCII));
        compare(mismatches, "BODYSTRUCTURE", dovecot, view.bodyStructure());
        compare(mismatches, "BODY", dovecot, view.body());
        compare(mismatches, "ENVELOPE", dovecot, view.envelope());
        for (String s : SECTIONS) {
            String key = "BODY[" + s + "]";
            if (!dovecot.containsKey(key)) {
                mismatches.add(key + ": missing from Dovecot's answer " + dovecot.keySet());
                continue;
            }
            byte[] expected = OracleImapClient.FetchParser.stringContent(dovecot.get(key));
            byte[] actual = view.section(s);
            // Dovecot answers a section that does not exist with an empty string; section() says null.
            byte[] actualOnWire = actual == null ? new byte[0] : actual;
            if (!java.util.Arrays.equals(expected, actualOnWire)) {
                mismatches.add(describe(key, expected, actual));
            }
        }
        if (!mismatches.isEmpty()) {
            System.out.println("== " + file.getFileName() + ": " + mismatches.size() + " mismatches");
            mismatches.forEach(System.out::println);
        }
        assertThat(mismatches).as("items differing from Dovecot for %s", file.getFileName()).isEmpty();
    }

    private static void compare(List<String> mismatches, String key, Map<String, byte[]> dovecot, byte[] actual) {
        byte[] expected = dovecot.get(key);
        if (!java.util.Arrays.equals(expected, actual)) {
            mismatches.add(describe(key, expected, actual));
        }
    }

    private static String describe(String key, byte[] expected, byte[] actual) {
        return key + "\n  dovecot: " + show(expected) + "\n  ours:    " + show(actual);
    }

    private static String show(byte[] b) {
        if (b == null) {
            return "(null)";
        }
        return new String(b, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    }
}
