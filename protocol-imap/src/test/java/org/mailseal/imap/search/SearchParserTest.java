package org.mailseal.imap.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapSyntaxException;

class SearchParserTest {

    /** Every key of RFC 3501 §6.4.4 (and MODSEQ, OLDER, YOUNGER): input, then its canonical wire form. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ALL|ALL", "answered|ANSWERED", "BCC bob|BCC \"bob\"", "BEFORE 1-Feb-1994|BEFORE 1-Feb-1994",
        "BODY \"a \\\"q\\\" b\"|BODY \"a \\\"q\\\" b\"", "CC x|CC \"x\"", "DELETED|DELETED", "DRAFT|DRAFT",
        "FLAGGED|FLAGGED", "FROM \"Smith\"|FROM \"Smith\"", "HEADER X-Foo bar|HEADER \"X-Foo\" \"bar\"",
        "HEADER Subject \"\"|HEADER \"Subject\" \"\"", "KEYWORD $Junk|KEYWORD $Junk", "LARGER 1024|LARGER 1024",
        "NEW|(RECENT UNSEEN)", "NOT SEEN|NOT SEEN", "OLD|NOT RECENT", "ON \"01-jan-2000\"|ON 1-Jan-2000",
        "OR SEEN DRAFT|OR SEEN DRAFT", "RECENT|RECENT", "SEEN|SEEN", "SENTBEFORE 31-Dec-1999|SENTBEFORE 31-Dec-1999",
        "SENTON 2-Mar-2024|SENTON 2-Mar-2024", "SENTSINCE 2-Mar-2024|SENTSINCE 2-Mar-2024",
        "SINCE 29-Feb-2024|SINCE 29-Feb-2024", "SMALLER 10|SMALLER 10", "SUBJECT hi|SUBJECT \"hi\"",
"TO t|TO \"t\"", "UID 1:3,*|UID 1:3,*", "UNANSWERED|UNANSWERED",
        "UNDELETED|UNDELETED", "UNDRAFT|UNDRAFT", "UNFLAGGED|UNFLAGGED", "UNKEYWORD Work|UNKEYWORD Work",
        "UNSEEN|UNSEEN", "2:4,7|2:4,7", "*|*", "(SEEN FLAGGED)|(SEEN FLAGGED)",
        "MODSEQ 620162338|MODSEQ 620162338",
        "MODSEQ \"/flags/\\\\draft\" all 620162338|MODSEQ \"/flags/\\\\draft\" all 620162338",
        "OLDER 3600|OLDER 3600", "YOUNGER 60|YOUNGER 60", "CHARSET utf-8 ALL|CHARSET utf-8 ALL"})
    void parsesEveryKey(String input, String wire) {
        assertThat(Programs.parse(input).wire(true)).isEqualTo(wire);
    }

    @Test
    void orAndNotTakeOneKeyEachAndTheListIsAnAnd() {
        SearchProgram p = Programs.parse("OR NOT SEEN FLAGGED DELETED (OR 1 2 UID 5) NOT NOT ALL");
        assertThat(p.keys()).hasSize(4);
        assertThat(p.keys().get(0)).isEqualTo(new SearchKey.Or(
                new SearchKey.Not(new SearchKey.Flag("\\Seen", true)), new SearchKey.Flag("\\Flagged", true)));
        assertThat(p.keys().get(1)).isEqualTo(new SearchKey.Flag("\\Deleted", true));
        assertThat(p.keys().get(2)).isInstanceOf(SearchKey.And.class);
        assertThat(p.wire(true)).isEqualTo("OR NOT SEEN FLAGGED DELETED (OR 1 2 UID 5) NOT NOT ALL");
    }

    @Test
    void literalsAreStrings() {
        assertThat(Programs.parse("TEXT {3}\r\nabc HEADER {1+}\r\nX {0}\r\n").wire(true))
                .isEqualTo("TEXT \"abc\" HEADER \"X\" \"\"");
    }

    @Test
    void eightBitStringsBecomeLiterals() {
        SearchProgram p = Programs.parse("CHARSET UTF-8 BODY {5}\r\ncafé SUBJECT \"x\"");
        assertThat(p.charset()).isEqualTo("UTF-8");
        String latin1Octets = new String("café".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertThat(p.wire(true)).isEqualTo("CHARSET UTF-8 BODY {5+}\r\n" + latin1Octets + " SUBJECT \"x\"");
        assertThat(p.wire(false)).startsWith("CHARSET UTF-8 BODY {5}\r\n");
        assertThat(((SearchKey.Text) p.keys().get(0)).valueText()).isEqualTo("café");
    }

    @Test
    void otherCharsetsAreBadCharset() {
        assertThatThrownBy(() -> Programs.parse("CHARSET ISO-8859-1 BODY x")).isInstanceOf(BadCharsetException.class);
        assertThat(Programs.parse("CHARSET \"us-ascii\" BODY x").charset()).isEqualTo("us-ascii");
    }

    @Test
    void nestingUpToOneHundredIsAccepted() {
        assertThat(Programs.parse("(".repeat(100) + "SEEN" + ")".repeat(100)).keys()).hasSize(1);
        assertThat(Programs.parse("NOT ".repeat(100) + "SEEN").keys()).hasSize(1);
        assertThatThrownBy(() -> Programs.parse("(".repeat(101) + "SEEN" + ")".repeat(101)))
                .isInstanceOf(ImapSyntaxException.class);
        assertThatThrownBy(() -> Programs.parse("NOT ".repeat(101) + "SEEN")).isInstanceOf(ImapSyntaxException.class);
        // Far deeper input fails the same way, without a StackOverflowError.
        assertThatThrownBy(() -> Programs.parse("(".repeat(100_000))).isInstanceOf(ImapSyntaxException.class);
    }

    @Test
    void atMostOneThousandKeys() {
        assertThat(Programs.parse(("SEEN ".repeat(1000)).strip()).keys()).hasSize(1000);
        assertThatThrownBy(() -> Programs.parse(("SEEN ".repeat(1001)).strip()))
                .isInstanceOf(ImapSyntaxException.class);
        assertThatThrownBy(() -> Programs.parse("(" + "SEEN ".repeat(1000) + "SEEN)"))
                .isInstanceOf(ImapSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "(SEEN", "SEEN)", "(SEEN))", "()", "SEEN  FLAGGED", " SEEN", "SEEN ", "BOGUS",
        "OR SEEN", "NOT", "BODY", "HEADER Subject", "BEFORE 32-Jan-2020", "BEFORE 1-Foo-2020", "BEFORE 1-Jan-20",
        "BEFORE 2020-01-01", "ON 29-Feb-2023", "SINCE \"1-Jan-2020", "LARGER", "LARGER -1", "LARGER x",
        "SMALLER 12345678901234567890", "UID", "UID 0", "UID 1:", "UID a", "1,,2", "0", "$", "UID $", "1:$",
        "KEYWORD", "KEYWORD \\Seen", "MODSEQ", "MODSEQ \"/flags/x\" bogus 5", "MODSEQ \"x\" all 5",
        "MODSEQ 99999999999999999999", "OLDER 0", "YOUNGER", "CHARSET UTF-8", "SEEN CHARSET UTF-8",
        "BODY \"unterminated", "BODY {10}\r\nshort", "HEADER \"a b\" x", "HEADER Subject: x"})
    void syntaxErrors(String program) {
        assertThatThrownBy(() -> Programs.parse(program)).isInstanceOf(ImapSyntaxException.class);
    }
}
