package org.mailseal.imap.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.message.MessageView;

/** State keys and decoding rules that the Dovecot corpus does not pin down on its own. */
class EvaluationTest {
    private static final String MESSAGE = "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.org>\r\n"
            + "Subject: =?UTF-8?B?w6l0w6k=?=\r\nDate: Mon, 31 Mar 2025 23:59:00 -1200\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + "Pr=C3=AAt =C3=A0 partir, soft=\r\nbreak.\r\n";
    private static final MessageView VIEW = MessageView.parse(MESSAGE.getBytes(StandardCharsets.US_ASCII), 10, 10);
    private static final MessageFacts.Mailbox BOX = new MessageFacts.Mailbox(10, 100, Instant.parse("2025-04-02T00:00:00Z"));

    private static MessageFacts facts(long uid, long seq, String... flags) {
        return new MessageFacts(uid, seq, Set.of(flags), OffsetDateTime.parse("2025-04-01T23:30:00+02:00"), 42, VIEW, BOX);
    }

    private static boolean matches(String program, MessageFacts f) {
        return Programs.parse(program).matches(f);
    }

    @Test
    void sequenceAndUidSetsWithStarAndReversedRanges() {
        MessageFacts f = facts(100, 10);
        assertThat(matches("*", f)).isTrue();
        assertThat(matches("10:*", f)).isTrue();
        assertThat(matches("*:9", f)).isTrue(); // 10:9 contains 10
        assertThat(matches("12:11", f)).isFalse();
        assertThat(matches("UID *", f)).isTrue();
        assertThat(matches("UID 200:99", f)).isTrue();
        assertThat(matches("UID 1:99,101", f)).isFalse();
        assertThat(matches("1,3,10", f)).isTrue();
        assertThat(matches("UID 10", f)).isFalse(); // sequence number 10 is not UID 10
    }

    @Test
    void flagsAndKeywordsCaseInsensitively() {
        MessageFacts f = facts(1, 1, "\\SEEN", "$Work", "\\Recent");
        assertThat(matches("SEEN KEYWORD $work UNFLAGGED", f)).isTrue();
        assertThat(matches("NEW", f)).isFalse();
        assertThat(matches("OLD", f)).isFalse();
        assertThat(matches("NEW", facts(1, 1, "\\Recent"))).isTrue();
        assertThat(matches("UNKEYWORD $Work", f)).isFalse();
    }

    @Test
    void internalDateIsComparedInItsOwnZone() {
        MessageFacts f = facts(1, 1); // 1 April 23:30 at +02:00, 31 March in UTC
        assertThat(matches("ON 1-Apr-2025", f)).isTrue();
        assertThat(matches("BEFORE 2-Apr-2025 SINCE 1-Apr-2025", f)).isTrue();
        assertThat(matches("BEFORE 1-Apr-2025", f)).isFalse();
    }

    @Test
    void sentDateIsTheDateHeadersOwnDate() {
        MessageFacts f = facts(1, 1); // 31 March 23:59 at -12:00 is 1 April in UTC
        assertThat(matches("SENTON 31-Mar-2025", f)).isTrue();
        assertThat(matches("SENTSINCE 1-Apr-2025", f)).isFalse();
        assertThat(matches("SENTBEFORE 1-Apr-2025", f)).isTrue();
    }

    @Test
    void withinAndModSeq() {
        MessageFacts f = facts(1, 1); // internal date 2025-04-01T21:30Z, now 2025-04-02T00:00Z: 9000 s old
        assertThat(matches("OLDER 8999", f)).isTrue();
        assertThat(matches("YOUNGER 9001", f)).isTrue();
        assertThat(matches("OLDER 9001", f)).isFalse();
        assertThat(matches("MODSEQ 42", f)).isTrue();
        assertThat(matches("MODSEQ \"/flags/\\\\seen\" all 43", f)).isFalse();
    }

    @Test
    void contentIsDecodedBeforeMatching() {
        MessageFacts f = facts(1, 1);
        assertThat(matches("CHARSET UTF-8 BODY {8}\r\nPRÊT À", f)).isTrue();
        assertThat(matches("BODY softbreak", f)).isTrue(); // the QP soft line break is gone
        assertThat(matches("BODY \"=C3\"", f)).isFalse(); // raw transfer encoding is not searched
        assertThat(matches("CHARSET UTF-8 SUBJECT {3}\r\nÉT", f)).isTrue();
        assertThat(matches("CHARSET UTF-8 FROM {6}\r\nrenée", f)).isTrue();
        assertThat(matches("TEXT \"Content-Transfer-Encoding: quoted\" TEXT partir", f)).isTrue();
        assertThat(matches("BODY Content-Transfer-Encoding", f)).isFalse();
        assertThat(matches("LARGER " + (VIEW.size() - 1) + " SMALLER " + (VIEW.size() + 1), f)).isTrue();
        assertThat(matches("HEADER X-Absent \"\"", f)).isFalse();
        assertThat(matches("HEADER date \"\"", f)).isTrue();
    }
}
