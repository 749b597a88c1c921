package org.mailseal.imap.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.message.MessageView;

/**
 * The superset program must select every message the program selects, whatever the content (property-style:
 * seeded random programs over the corpus), and must contain no content keys.
 */
class SupersetTest {
    private static final String[] STATE = {"SEEN", "UNSEEN", "FLAGGED", "DELETED", "KEYWORD $A", "UNKEYWORD $A",
        "RECENT", "NEW", "OLD", "1:3", "2,5:*", "UID 4:2", "UID *", "BEFORE 5-Apr-2025", "SINCE 3-Apr-2025",
        "ON 4-Apr-2025", "ALL", "MODSEQ 5", "OLDER 86400", "YOUNGER 86400"};
    private static final String[] CONTENT = {"BODY the", "BODY \"café\"", "TEXT example", "SUBJECT e", "FROM org",
        "TO example", "CC a", "BCC hidden", "HEADER Message-ID \"\"", "HEADER X-Nothere \"\"", "SENTBEFORE 3-Apr-2025",
        "SENTSINCE 1-Jan-2000", "SENTON 2-Apr-2025", "LARGER 700", "SMALLER 400", "BODY \"\""};

    @Test
    void supersetSelectsEveryMatchingMessage() throws Exception {
        List<MessageFacts> corpus = facts();
        Random random = new Random(20250413);
        int checked = 0;
        int narrowed = 0;
        for (int i = 0; i < 3000; i++) {
            String text = program(random, 3);
            SearchProgram program = Programs.parse(text);
            SearchProgram superset = Programs.parse(program.superset());
            assertThat(superset.dependsOnContent()).as(text).isFalse();
            if (!program.dependsOnContent()) {
                assertThat(program.superset()).isEqualTo(program.wire(false).replaceFirst("^CHARSET \\S+ ", ""));
            }
            for (MessageFacts f : corpus) {
                if (program.matches(f)) {
                    assertThat(superset.matches(f)).as("%s ⊆ %s for UID %d", text, program.superset(), f.uid())
                            .isTrue();
                    checked++;
                } else if (!superset.matches(f)) {
                    narrowed++;
                }
            }
        }
        // The property is not vacuous: many messages matched, and the superset still excluded many.
        assertThat(checked).isGreaterThan(10_000);
        assertThat(narrowed).isGreaterThan(10_000);
    }

    @Test
    void polarityThroughNotAndOr() {
        assertThat(Programs.parse("SEEN BODY x").superset()).isEqualTo("SEEN");
        assertThat(Programs.parse("NOT BODY x").superset()).isEqualTo("ALL");
        assertThat(Programs.parse("NOT (SEEN BODY x)").superset()).isEqualTo("ALL");
        assertThat(Programs.parse("NOT (SEEN OR BODY x FLAGGED)").superset()).isEqualTo("NOT (SEEN FLAGGED)");
        assertThat(Programs.parse("NOT OR BODY x SEEN").superset()).isEqualTo("NOT SEEN");
        assertThat(Programs.parse("OR BODY x SEEN").superset()).isEqualTo("ALL");
        assertThat(Programs.parse("OR (BODY x DELETED) SEEN").superset()).isEqualTo("OR DELETED SEEN");
        assertThat(Programs.parse("NOT NOT (SEEN BODY x)").superset()).isEqualTo("SEEN");
        assertThat(Programs.parse("NOT ALL BODY x").superset()).isEqualTo("NOT ALL");
        assertThat(Programs.parse("LARGER 5 UID 1:9 SENTON 1-Jan-2020").superset()).isEqualTo("UID 1:9");
    }

    private static String program(Random r, int depth) {
        int n = 1 + r.nextInt(3);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(key(r, depth));
        }
        return String.join(" ", keys);
    }

    private static String key(Random r, int depth) {
        int pick = depth == 0 ? 4 + r.nextInt(6) : r.nextInt(10);
        return switch (pick) {
            case 0 -> "NOT " + key(r, depth - 1);
            case 1 -> "OR " + key(r, depth - 1) + " " + key(r, depth - 1);
            case 2 -> "(" + program(r, depth - 1) + ")";
            case 3 -> "NOT (" + program(r, depth - 1) + ")";
            case 4, 5, 6 -> STATE[r.nextInt(STATE.length)];
            default -> CONTENT[r.nextInt(CONTENT.length)];
        };
    }

    /** The corpus with flags, dates and sequence numbers varied per message. */
    static List<MessageFacts> facts() throws Exception {
        List<byte[]> messages = DovecotSearchTest.corpus();
        MessageFacts.Mailbox mailbox =
                new MessageFacts.Mailbox(messages.size(), messages.size() + 10, Instant.parse("2025-04-05T00:00:00Z"));
        List<MessageFacts> facts = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Set<String> flags = switch (i % 4) {
                case 0 -> Set.of("\\Seen");
                case 1 -> Set.of("\\Flagged", "$a");
                case 2 -> Set.of("\\Recent", "\\Deleted");
                default -> Set.of();
            };
            OffsetDateTime date = OffsetDateTime.of(2025, 4, 1 + i % 7, 22, 0, 0, 0, ZoneOffset.ofHours(-5));
            facts.add(new MessageFacts(i + 11, i + 1, flags, date, i, MessageView.parse(messages.get(i), 100, 10_000),
                    mailbox));
        }
        return facts;
    }
}
