package org.mailseal.server.sync;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;
import org.mailseal.imap.progress.ProgressMeter;
import org.mailseal.imap.sync.SyncStore;
import org.mailseal.server.config.SyncConfig;

/**
 * Keeps IDLE on one mailbox of one store, on a connection of its own, and reports each change. When the link drops
 * it reconnects after a backoff delay, logging each attempt, and reports a change once it is back (what happened
 * while it was away was not seen). It reports one too once it first watches the mailbox: a change that came after
 * the run that preceded the watch (the first run of {@code --watch}, or the run that created the mailbox) and before
 * this SELECT would otherwise wait for the poll interval. Runs on a thread of its own until {@link #stop}.
 */
public final class MailboxWatcher implements Runnable {
    /** Below the 29 minutes after which RFC 2177 lets a server drop an idle client. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(25);

    private final SyncConfig.Store store;
    private final String mailbox;
    private final StoreOpener opener;
    private final Runnable onChange;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private final Duration idleTimeout;
    private final Consumer<String> log;
    private volatile boolean stopped;
    private volatile SyncStore current;

    public MailboxWatcher(SyncConfig.Store store, String mailbox, StoreOpener opener, Runnable onChange,
                          Backoff backoff, Sleeper sleeper, Duration idleTimeout, Consumer<String> log) {
        this.store = store;
        this.mailbox = mailbox;
        this.opener = opener;
        this.onChange = onChange;
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.idleTimeout = idleTimeout;
        this.log = log;
    }

    @Override
    public void run() {
        boolean lost = false;
        boolean unseen = true; // changes before this connection's SELECT: none seen yet
        while (!stopped) {
            try (SyncStore connection = opener.open(store)) {
                current = connection;
                if (stopped) {
                    return;
                }
                connection.select(mailbox);
                backoff.reset();
                if (lost) {
                    log.accept("watch " + this + ": reconnected");
                    lost = false;
                }
                if (unseen) {
                    onChange.run();
                    unseen = false;
                }
                while (!stopped) {
                    if (connection.idle(idleTimeout)) {
                        onChange.run();
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (stopped) {
                    return;
                }
                lost = true;
                unseen = true;
                Duration delay = backoff.next();
                log.accept("watch " + this + ": " + ProgressMeter.printable(String.valueOf(e.getMessage()))
                        + "; reconnecting in " + ProgressMeter.duration(delay.toNanos()) + " (attempt "
                        + backoff.attempts() + ")");
                try {
                    sleeper.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } finally {
                current = null;
            }
        }
    }

    /** Ends the watch; closing the connection ends a pending IDLE. */
    public void stop() {
        stopped = true;
        SyncStore connection = current;
        if (connection != null) {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return store.name() + " " + ProgressMeter.printable(mailbox);
    }
}
