package org.mailseal.server.sync;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.sync.MessageInfo;
import org.mailseal.imap.sync.StoreChanges;
import org.mailseal.imap.sync.SyncMailbox;
import org.mailseal.imap.sync.SyncStore;

/**
 * A store for the command and watch tests: records what was selected, answers IDLE from a script (true, false, or
 * an exception) and, when the script is empty, blocks until closed as a real IDLE would.
 */
public final class FakeSyncStore implements SyncStore {
    /** What one IDLE does. */
    public sealed interface Idle permits Idle.Changed, Idle.Timeout, Idle.Drop {
        record Changed() implements Idle {}

        record Timeout() implements Idle {}

        record Drop(String reason) implements Idle {}
    }

    public final List<String> selected = new ArrayList<>();
    public final Deque<Idle> idles = new ConcurrentLinkedDeque<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Called before each IDLE answer (tests stop a watcher from here). */
    public Runnable beforeIdle = () -> {};

    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    @Override
    public SyncMailbox select(String mailbox) {
        selected.add(mailbox);
        return new SyncMailbox(mailbox, 1, 1, 0, 0);
    }

    @Override
    public boolean idle(Duration timeout) throws IOException {
        beforeIdle.run();
        Idle next = idles.poll();
        if (next == null) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("connection closed");
        }
        if (next instanceof Idle.Drop drop) {
            throw new IOException(drop.reason());
        }
        return next instanceof Idle.Changed;
    }

    @Override
    public void close() {
        closed.countDown();
    }

    @Override
    public List<String> list(List<String> patterns) {
        throw new UnsupportedOperationException();
    }

    @Override
    public char delimiter() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void create(String mailbox) {
        throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<Long, MessageInfo> info(Collection<Long> uids) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String mailbox) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean incremental() {
        return false;
    }

    @Override
    public SortedMap<Long, MessageInfo> scan() {
        throw new UnsupportedOperationException();
    }

    @Override
    public StoreChanges changedSince(long modSeq) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Map<Long, String> messageIds(Collection<Long> uids) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<StoredMessage> fetch(Collection<Long> uids) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Long> append(String mailbox, long uidValidity, List<StoredMessage> messages) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void store(Collection<Long> uids, Set<String> add, Set<String> remove) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void expunge(Collection<Long> uids) {
        throw new UnsupportedOperationException();
    }
}
