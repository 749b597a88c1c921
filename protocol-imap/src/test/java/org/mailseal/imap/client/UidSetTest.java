package org.mailseal.imap.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link UidSet}: parse, format, contains, and its bounds; and the strict VANISHED parse built on it. */
class UidSetTest {

    @Test
    void parsesMergesAndNormalisesReversedRanges() throws Exception {
        UidSet set = UidSet.parse("12:14,5:3,9,1,2,15");
        assertEquals("1:5,9,12:15", set.toString());
        assertEquals(10, set.size());
        for (long uid : List.of(1L, 3L, 5L, 9L, 12L, 15L)) {
            assertTrue(set.contains(uid), "contains " + uid);
        }
        for (long uid : List.of(0L, 6L, 8L, 10L, 11L, 16L, UidSet.MAX_UID)) {
            assertFalse(set.contains(uid), "does not contain " + uid);
        }
        assertEquals(UidSet.parse("1:5,9,12:15"), set);
    }

    @Test
    void hugeRangesAreHeldNotExpanded() throws Exception {
        UidSet set = UidSet.parse("1:4000000000");
        assertEquals(4_000_000_000L, set.size());
        assertTrue(set.contains(3_999_999_999L));
        assertFalse(set.contains(4_000_000_001L));
        assertEquals("1:4294967295", UidSet.parse("4294967295:1").toString());
        assertThrows(ImapClientException.class, () -> set.toList(1000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "0:5", "5:0", "4294967296", "99999999999", "-1", "+5", "1:*", "*", "1,,2",
            "1,", ",1", "1:2:3", "a", "1 2", "007", "1:", ":1", "1:5 ", "\r\n"})
    void refusesMalformedSets(String text) {
        assertThrows(ImapClientException.class, () -> UidSet.parse(text));
    }

    @Test
    void refusesTooManyRangesAndTooLongText() {
        StringBuilder many = new StringBuilder("1");
        for (int i = 1; i <= UidSet.MAX_RANGES; i++) {
            many.append(',').append(2 * i + 1);
        }
        assertThrows(ImapClientException.class, () -> UidSet.parse(many.toString()));
        assertThrows(ImapClientException.class, () -> UidSet.parse("1" + ",1".repeat(UidSet.MAX_TEXT / 2)));
    }

    @Test
    void formatCompressesSortedUniqueUids() {
        assertEquals("1:5,9,12:14", UidSet.format(List.of(14L, 1L, 2L, 3L, 4L, 5L, 9L, 12L, 13L, 5L)));
        assertEquals("7", UidSet.format(List.of(7L)));
        assertThrows(IllegalArgumentException.class, () -> UidSet.format(List.of()));
        assertThrows(IllegalArgumentException.class, () -> UidSet.format(List.of(0L)));
        assertThrows(IllegalArgumentException.class, () -> UidSet.format(List.of(UidSet.MAX_UID + 1)));
    }

    @Test
    void formatThenParseIsTheSameSetForRandomUids() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            TreeSet<Long> uids = new TreeSet<>();
            for (int i = random.nextInt(300) + 1; i > 0; i--) {
                uids.add(1L + random.nextInt(500));
            }
            UidSet set = UidSet.parse(UidSet.format(uids));
            assertEquals(new ArrayList<>(uids), set.toList(1000));
            assertEquals(uids.size(), set.size());
        }
    }

    @Test
    void unionMergesAdjacentAndOverlapping() throws Exception {
        assertEquals("1:10,20", UidSet.parse("1:4,20").union(UidSet.parse("5:10,3")).toString());
        assertTrue(UidSet.EMPTY.union(UidSet.EMPTY).isEmpty());
    }

    @Test
    void vanishedResponsesAreParsedStrictly() throws Exception {
        assertEquals("1:4000000000", vanished("* VANISHED (EARLIER) 1:4000000000\r\n").toString());
        assertEquals("3,7:9", vanished("* VANISHED 9:7,3\r\n").toString());
        assertEquals("3", vanished("* vanished (earlier) 3\r\n").toString());
        for (String bad : List.of("* VANISHED \r\n", "* VANISHED (EARLIER)\r\n", "* VANISHED (EARLIER) x\r\n",
                "* VANISHED (LATER) 1\r\n", "* VANISHED 1:0\r\n", "* VANISHED 1 2\r\n", "* VANISHED 1")) {
            assertThrows(ImapClientException.class, () -> vanished(bad), bad);
        }
    }

    private static UidSet vanished(String line) throws ImapClientException {
        return ImapResponses.vanished(line.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void headerValuesAreUnfoldedTrimmedAndPrintable() {
        assertEquals("<a@b>", ImapResponses.fieldValue("Message-ID:\r\n <a@b>\r\n\r\n".getBytes(), "MESSAGE-ID"));
        assertEquals("<a @b>", ImapResponses.fieldValue("message-id: <a\r\n\t@b> \r\n\r\n".getBytes(), "Message-ID"));
        assertNull(ImapResponses.fieldValue("\r\n".getBytes(), "Message-ID"));
        assertNull(ImapResponses.fieldValue("Message-ID:   \r\n\r\n".getBytes(), "Message-ID"));
        assertNull(ImapResponses.fieldValue("Message-ID: <\u00e9@b>\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "Message-ID"));
    }
}
