package org.mailseal.imap.rekey;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.mailseal.imap.progress.ProgressMeter;

/**
 * Shows a rekey run: on a terminal one line rewritten in place (messages, bytes, rate, ETA); otherwise plain log
 * lines, one per message changed or failed and one per 100 examined. Time comes from an injected nanosecond
 * source. Only UIDs, mailbox names and counts are printed: never message content.
 */
public final class ProgressReporter implements RekeyListener {
    private final PrintStream out;
    private final ProgressMeter meter;

    public ProgressReporter(PrintStream out, boolean terminal, LongSupplier nanoTime) {
        this.out = out;
        this.meter = new ProgressMeter(new PrintWriter(out, true), terminal, nanoTime, 0);
    }

    @Override
    public void planned(long messageCount, long byteCount) {
        meter.start(messageCount, byteCount);
        out.println("rekey: " + messageCount + " messages, " + ProgressMeter.mib(byteCount) + " to examine");
    }

    @Override
    public void mailbox(String name, long count) {
        meter.line("mailbox " + ProgressMeter.printable(name) + ": " + count + " messages");
    }

    @Override
    public void examined(String mailbox, long uid, long size, Outcome outcome, String reason) {
        if (outcome != Outcome.UNCHANGED) {
            meter.line(ProgressMeter.printable(mailbox) + " UID " + uid + ": "
                    + outcome.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + (reason == null ? "" : " (" + ProgressMeter.printable(reason) + ")"));
        }
        meter.advance(1, size);
    }

    /** The summary line, after the run. */
    public void finished(RekeySummary summary) {
        meter.end();
        out.println("rekey done: " + summary + " in " + ProgressMeter.duration(meter.elapsedNanos()));
    }

    /** "messages 120/1000, 120.0/1000.0 MiB, 12.3 msg/s, 1.2 MiB/s, ETA 1m12s". */
    String status() {
        return meter.status();
    }
}
