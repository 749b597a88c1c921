package org.mailseal.imap.rekey;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows a rekey run: on a terminal one line rewritten in place (messages, bytes, rate, ETA); otherwise plain log
 * lines, one per message changed or failed and one per 100 examined. Time comes from an injected nanosecond
 * source. Only UIDs, mailbox names and counts are printed: never message content.
 */
public final class ProgressReporter implements RekeyListener {
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private long start;
    private long totalMessages;
    private long totalBytes;
    private long messages;
    private long bytes;

    public ProgressReporter(PrintStream out, boolean terminal, LongSupplier nanoTime) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
    }

    @Override
    public void planned(long messageCount, long byteCount) {
        start = nanoTime.getAsLong();
        totalMessages = messageCount;
        totalBytes = byteCount;
        out.println("rekey: " + messageCount + " messages, " + mib(byteCount) + " to examine");
    }

    @Override
    public void mailbox(String name, long count) {
        line("mailbox " + printable(name) + ": " + count + " messages");
    }

    @Override
    public void examined(String mailbox, long uid, long size, Outcome outcome, String reason) {
        messages++;
        bytes += size;
        if (outcome != Outcome.UNCHANGED) {
            line(printable(mailbox) + " UID " + uid + ": " + outcome.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + (reason == null ? "" : " (" + printable(reason) + ")"));
        }
        if (terminal) {
            out.print("\r" + status() + "   ");
            out.flush();
        } else if (messages % 100 == 0) {
            out.println(status());
        }
    }

    /** The summary line, after the run. */
    public void finished(RekeySummary summary) {
        if (terminal) {
            out.println();
        }
        out.println("rekey done: " + summary + " in " + duration(nanoTime.getAsLong() - start));
    }

    /** "messages 120/1000, 120.0/1000.0 MiB, 12.3 msg/s, 1.2 MiB/s, ETA 1m12s". */
    String status() {
        double seconds = Math.max(1e-9, (nanoTime.getAsLong() - start) / 1e9);
        double rate = bytes / seconds;
        String eta = bytes == 0 ? "?" : duration((long) ((totalBytes - bytes) / rate * 1e9));
        return String.format(Locale.ROOT, "messages %d/%d, %s/%s, %.1f msg/s, %.1f MiB/s, ETA %s", messages,
                totalMessages, mib(bytes), mib(totalBytes), messages / seconds, rate / (1 << 20), eta);
    }

    private void line(String text) {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(text);
    }

    private static String mib(long b) {
        return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1 << 20));
    }

    private static String duration(long nanos) {
        long s = Math.max(0, nanos / 1_000_000_000L);
        return s >= 3600 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    /** Server-supplied text, with control characters replaced (invariant 9). */
    private static String printable(String text) {
        return text.replaceAll("[\\x00-\\x1f\\x7f]", "?");
    }
}
