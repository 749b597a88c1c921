package org.mailseal.imap.progress;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long copy (rekey, sync): messages and bytes done against a total, shown on a terminal as one line
 * rewritten in place and otherwise as a plain log line each time another hundred messages are done (and, when
 * configured, at least every so often). Time comes from an injected nanosecond source, so tests control it.
 * Only counts are printed; callers pass names through {@link #printable}.
 */
public final class ProgressMeter {
    private static final int LOG_EVERY_MESSAGES = 100;

    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private final long logIntervalNanos;
    private long start;
    private long lastLog;
    private long totalMessages;
    private long totalBytes;
    private long messages;
    private long bytes;
    private boolean statusShown;

    /**
     * @param logIntervalNanos off a terminal, also log a status line when this long has passed since the last one
     *                         (0: only every hundred messages)
     */
    public ProgressMeter(PrintWriter out, boolean terminal, LongSupplier nanoTime, long logIntervalNanos) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
        this.logIntervalNanos = logIntervalNanos;
        this.start = nanoTime.getAsLong();
        this.lastLog = start;
    }

    /** Starts over: nothing done, this much to do, the clock from now. */
    public void start(long messageCount, long byteCount) {
        start = nanoTime.getAsLong();
        lastLog = start;
        totalMessages = messageCount;
        totalBytes = byteCount;
        messages = 0;
        bytes = 0;
    }

    /** More work found after the start (a sync plans one mailbox at a time). */
    public void addWork(long messageCount, long byteCount) {
        totalMessages += messageCount;
        totalBytes += byteCount;
    }

    /** {@code messageCount} more messages of {@code byteCount} bytes are done; shows the status as configured. */
    public void advance(long messageCount, long byteCount) {
        long before = messages;
        messages += messageCount;
        bytes += byteCount;
        long now = nanoTime.getAsLong();
        if (terminal) {
            out.print("\r" + bar(20) + " " + status() + "   ");
            out.flush();
            statusShown = true;
        } else if (messages / LOG_EVERY_MESSAGES != before / LOG_EVERY_MESSAGES
                || (logIntervalNanos > 0 && now - lastLog >= logIntervalNanos)) {
            lastLog = now;
            out.println(status());
            out.flush();
        }
    }

    /** "[=======>            ] 37%": bytes done against the total (messages when no sizes are known). */
    public String bar(int width) {
        double share = totalBytes > 0 ? (double) bytes / totalBytes
                : totalMessages > 0 ? (double) messages / totalMessages : 0;
        share = Math.max(0, Math.min(1, share));
        int filled = (int) (share * width);
        StringBuilder bar = new StringBuilder(width + 8).append('[');
        for (int i = 0; i < width; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        return bar.append("] ").append((int) (share * 100)).append('%').toString();
    }

    /** A line of its own; on a terminal it replaces the status line, which the next {@link #advance} redraws. */
    public void line(String text) {
        if (terminal && statusShown) {
            out.print("\r\033[K");
            statusShown = false;
        }
        out.println(text);
        out.flush();
    }

    /** Ends the status line on a terminal, so what follows starts on a line of its own. */
    public void end() {
        if (terminal && statusShown) {
            out.println();
            out.flush();
            statusShown = false;
        }
    }

    public long messages() {
        return messages;
    }

    public long elapsedNanos() {
        return nanoTime.getAsLong() - start;
    }

    /** "messages 120/1000, 120.0/1000.0 MiB, 12.3 msg/s, 1.2 MiB/s, ETA 1m12s". */
    public String status() {
        double seconds = Math.max(1e-9, (nanoTime.getAsLong() - start) / 1e9);
        double rate = bytes / seconds;
        String eta = bytes == 0 ? "?" : duration((long) (Math.max(0, totalBytes - bytes) / rate * 1e9));
        return String.format(Locale.ROOT, "messages %d/%d, %s/%s, %.1f msg/s, %.1f MiB/s, ETA %s", messages,
                totalMessages, mib(bytes), mib(totalBytes), messages / seconds, rate / (1 << 20), eta);
    }

    public static String mib(long b) {
        return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1 << 20));
    }

    /** "42s", "3m5s", "2h10m". */
    public static String duration(long nanos) {
        long s = Math.max(0, nanos / 1_000_000_000L);
        return s >= 3600 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    /** Server-supplied text, with control characters replaced (DESIGN.md invariant 9). */
    public static String printable(String text) {
        return text.replaceAll("[\\x00-\\x1f\\x7f]", "?");
    }
}
