package org.mailseal.server.sync;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.mailseal.imap.progress.ProgressMeter;

/**
 * {@code mailseal sync --watch} after the first run: waits for a change reported by a watcher (then lets a burst
 * of changes settle for the debounce time) or for the poll interval, and runs every channel again. After a run in
 * which a channel failed (a link dropped, a server was away) the next run comes after a backoff delay instead of
 * the poll interval; a clean run resets it. The sync state makes every run resume where the last one stopped.
 */
public final class WatchLoop {
    /** What the loop waits on. */
    public interface Changes {
        /** Waits until a change is reported or the timeout passes; true (and forgotten) if one was. */
        boolean await(Duration timeout) throws InterruptedException;

        /** Forgets changes reported so far. */
        void clear();
    }

    public static final Duration DEBOUNCE = Duration.ofSeconds(1);

    private final Supplier<SyncRunner.Result> run;
    private final Consumer<SyncRunner.Result> afterRun;
    private final Changes changes;
    private final Duration pollInterval;
    private final Duration debounce;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private final BooleanSupplier stopped;
    private final Consumer<String> log;
    private Duration retryIn;

    /**
     * @param afterRun called after each run (the command starts watchers on mailboxes the run created)
     * @param stopped  whether to stop (SIGINT, SIGTERM); checked after every wait
     */
    public WatchLoop(Supplier<SyncRunner.Result> run, Consumer<SyncRunner.Result> afterRun, Changes changes,
                     Duration pollInterval, Duration debounce, Backoff backoff, Sleeper sleeper,
                     BooleanSupplier stopped, Consumer<String> log) {
        this.run = run;
        this.afterRun = afterRun;
        this.changes = changes;
        this.pollInterval = pollInterval;
        this.debounce = debounce;
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.stopped = stopped;
        this.log = log;
    }

    /** Takes the outcome of the run made before the loop (the first one) into account. */
    public void first(SyncRunner.Result result) {
        scheduleAfter(result);
    }

    /** Runs until stopped. */
    public void run() throws InterruptedException {
        while (!stopped.getAsBoolean()) {
            step();
        }
    }

    /** One wait and, unless stopped meanwhile, one run. */
    void step() throws InterruptedException {
        boolean retry = retryIn != null;
        boolean changed = changes.await(retry ? retryIn : pollInterval);
        if (stopped.getAsBoolean()) {
            return;
        }
        if (changed) {
            sleeper.sleep(debounce);
            if (stopped.getAsBoolean()) {
                return;
            }
            changes.clear();
            log.accept("sync: a watched mailbox changed; running");
        } else {
            log.accept(retry ? "sync: retrying (attempt " + backoff.attempts() + ")" : "sync: periodic run");
        }
        SyncRunner.Result result = run.get();
        scheduleAfter(result);
        afterRun.accept(result);
    }

    private void scheduleAfter(SyncRunner.Result result) {
        if (result.failed().isEmpty()) {
            backoff.reset();
            retryIn = null;
        } else {
            retryIn = backoff.next();
            log.accept("sync: " + String.join(", ", result.failed()) + " failed; next try in "
                    + ProgressMeter.duration(retryIn.toNanos()) + " unless a change comes first");
        }
    }

    /** The wait before the next run when no change comes: the poll interval, or a backoff delay after a failure. */
    Duration nextWait() {
        return retryIn != null ? retryIn : pollInterval;
    }
}
