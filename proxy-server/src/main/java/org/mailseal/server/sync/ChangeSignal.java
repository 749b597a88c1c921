package org.mailseal.server.sync;

import java.time.Duration;

/** Where watchers report that a mailbox changed, and the watch loop waits for it. Thread-safe. */
public final class ChangeSignal implements WatchLoop.Changes {
    private boolean changed;
    private boolean stopped;

    /** A watched mailbox changed (or a link came back and may have missed changes). */
    public synchronized void changed() {
        changed = true;
        notifyAll();
    }

    /** Wakes the loop for good. */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    public synchronized boolean stopped() {
        return stopped;
    }

    @Override
    public synchronized boolean await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!changed && !stopped) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        boolean result = changed;
        changed = false;
        return result;
    }

    @Override
    public synchronized void clear() {
        changed = false;
    }
}
