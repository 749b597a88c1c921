package org.mailseal.server.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.sync.MailboxPair;
import org.mailseal.imap.sync.PairSummary;

/** What a sync run shows while it copies, on a terminal and in a log, with time from a fake clock. */
class SyncProgressTest {
    private final StringWriter written = new StringWriter();
    private final long[] now = {0};
    private final MailboxPair inbox = new MailboxPair("office", "INBOX", "INBOX");

    private SyncProgress progress(boolean terminal) {
        SyncProgress progress = new SyncProgress(new PrintWriter(written, true), terminal, () -> now[0]);
        progress.channelStarted();
        return progress;
    }

    @Test
    void onATerminalOneLineIsRewrittenWithBarMessagesBytesRateAndEta() {
        SyncProgress progress = progress(true);
        progress.planned(inbox, 4, 4L << 20);
        now[0] = 2_000_000_000L;
        progress.copied(inbox, 1, 1 << 20);
        now[0] = 4_000_000_000L;
        progress.copied(inbox, 1, 1 << 20);

        assertThat(progress.status()).isEqualTo("messages 2/4, 2.0 MiB/4.0 MiB, 0.5 msg/s, 0.5 MiB/s, ETA 4s");
        String shown = written.toString();
        assertThat(shown).startsWith("office INBOX: 4 messages, 4.0 MiB to copy" + System.lineSeparator());
        assertThat(shown).contains("\r[=====>              ] 25% messages 1/4")
                .contains("\r[==========>         ] 50% messages 2/4, 2.0 MiB/4.0 MiB, 0.5 msg/s, 0.5 MiB/s, ETA 4s");
        assertThat(shown).doesNotContain(System.lineSeparator() + "messages"); // no log lines on a terminal

        progress.finished(inbox, new PairSummary(inbox, 0, 2, 0, 0, 0, 0, 0, false));
        progress.channelFinished();
        assertThat(written.toString()).endsWith("\r\033[KINBOX: copied 2 to B, 0 to A; matched 0; flagged 0; expunged 0;"
                + " conflicts 0" + System.lineSeparator());
    }

    @Test
    void offATerminalStatusIsLoggedEveryHundredMessagesOrTenSeconds() {
        SyncProgress progress = progress(false);
        progress.planned(inbox, 300, 300_000);
        now[0] = 1_000_000_000L;
        progress.copied(inbox, 99, 99_000);
        assertThat(lines()).hasSize(1);
        progress.copied(inbox, 2, 2_000); // crosses 100
        assertThat(lines()).hasSize(2);
        assertThat(lines()[1]).startsWith("messages 101/300, ");
        now[0] = 5_000_000_000L;
        progress.copied(inbox, 1, 1_000);
        assertThat(lines()).as("4 s since the last line: quiet").hasSize(2);
        now[0] = 11_000_000_000L;
        progress.copied(inbox, 1, 1_000);
        assertThat(lines()).as("10 s since the last line").hasSize(3);
        assertThat(written.toString()).doesNotContain("\r");
    }

    @Test
    void mailboxesWithNothingToCopyOrChangeStayQuietAndNamesAreMadePrintable() {
        SyncProgress progress = progress(false);
        progress.planned(inbox, 0, 0);
        progress.finished(inbox, new PairSummary(inbox, 0, 0, 0, 0, 0, 0, 0, true));
        assertThat(written.toString()).isEmpty();

        MailboxPair odd = new MailboxPair("office", "Evil\r\nA1 LOGOUT", "Evil\r\nA1 LOGOUT");
        progress.planned(odd, 1, 10);
        assertThat(written.toString()).isEqualTo("office Evil??A1 LOGOUT: 1 messages, 0.0 MiB to copy"
                + System.lineSeparator());
    }

    private String[] lines() {
        return written.toString().split(System.lineSeparator());
    }
}
