package org.mailseal.server.sync;

import java.io.PrintWriter;
import java.util.function.LongSupplier;
import org.mailseal.imap.progress.ProgressMeter;
import org.mailseal.imap.sync.MailboxPair;
import org.mailseal.imap.sync.PairSummary;
import org.mailseal.imap.sync.SyncListener;

/**
 * Shows a sync run: on a terminal one line rewritten in place while messages are copied (a bar, messages, bytes,
 * rate, ETA); otherwise a status line every hundred messages or ten seconds. A line per mailbox that has something
 * to copy, and its summary when it changed something. Only mailbox names (made printable) and counts are shown.
 */
public final class SyncProgress implements SyncListener {
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final ProgressMeter meter;

    public SyncProgress(PrintWriter out, boolean terminal, LongSupplier nanoTime) {
        this.meter = new ProgressMeter(out, terminal, nanoTime, LOG_INTERVAL_NANOS);
    }

    /** A channel run starts: the counts start over. */
    public void channelStarted() {
        meter.start(0, 0);
    }

    /** A channel run ended: the status line, if any, is left on a line of its own. */
    public void channelFinished() {
        meter.end();
    }

    @Override
    public void planned(MailboxPair pair, int messages, long bytes) {
        if (messages > 0) {
            meter.addWork(messages, bytes);
            meter.line(name(pair) + ": " + messages + " messages, " + ProgressMeter.mib(bytes) + " to copy");
        }
    }

    @Override
    public void copied(MailboxPair pair, int messages, long bytes) {
        meter.advance(messages, bytes);
    }

    @Override
    public void finished(MailboxPair pair, PairSummary summary) {
        if (!summary.changedNothing() || summary.conflicts() > 0 || summary.heldExpunges() > 0) {
            meter.line(ProgressMeter.printable(summary.toString()));
        }
    }

    String status() {
        return meter.status();
    }

    private static String name(MailboxPair pair) {
        String mailbox = pair.mailboxA().equals(pair.mailboxB()) ? pair.mailboxA()
                : pair.mailboxA() + " <-> " + pair.mailboxB();
        return pair.channel() + " " + ProgressMeter.printable(mailbox);
    }
}
