package org.mailseal.imap.sync;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.mailseal.imap.client.StoredMessage;

/**
 * A real store that fails on purpose, as if the run died there: the check after the next APPEND (between the
 * APPEND and its record), or the next FETCH. Everything else goes to the store it wraps.
 */
final class FailingStore implements SyncStore {
    private final SyncStore store;
    private boolean failAfterAppend;
    private boolean failFetch;
    private boolean rewrite;

    FailingStore(SyncStore store) {
        this.store = store;
    }

    /** The next APPEND reaches the server; the run dies right after it. */
    FailingStore failAfterNextAppend() {
        failAfterAppend = true;
        return this;
    }

    /** Every APPEND stores the message with a header in front, as a server that adds one on the way in. */
    FailingStore rewriteAppends() {
        rewrite = true;
        return this;
    }

    /** The next FETCH of messages fails, as if the run died reading them. */
    FailingStore failNextFetch() {
        failFetch = true;
        return this;
    }

    @Override
    public SortedMap<Long, MessageInfo> info(Collection<Long> uids) throws IOException {
        if (failAfterAppend) {
            failAfterAppend = false;
            throw new IOException("the run died after its APPEND (injected)");
        }
        return store.info(uids);
    }

    @Override
    public List<String> list(List<String> patterns) throws IOException {
        return store.list(patterns);
    }

    @Override
    public char delimiter() throws IOException {
        return store.delimiter();
    }

    @Override
    public void create(String mailbox) throws IOException {
        store.create(mailbox);
    }

    @Override
    public void delete(String mailbox) throws IOException {
        store.delete(mailbox);
    }

    @Override
    public SyncMailbox select(String mailbox) throws IOException {
        return store.select(mailbox);
    }

    @Override
    public boolean incremental() {
        return store.incremental();
    }

    @Override
    public SortedMap<Long, MessageInfo> scan() throws IOException {
        return store.scan();
    }

    @Override
    public StoreChanges changedSince(long modSeq) throws IOException {
        return store.changedSince(modSeq);
    }

    @Override
    public Map<Long, String> messageIds(Collection<Long> uids) throws IOException {
        return store.messageIds(uids);
    }

    @Override
    public List<StoredMessage> fetch(Collection<Long> uids) throws IOException {
        if (failFetch) {
            failFetch = false;
            throw new IOException("the run died reading messages (injected)");
        }
        return store.fetch(uids);
    }

    @Override
    public List<Long> append(String mailbox, long uidValidity, List<StoredMessage> messages) throws IOException {
        if (rewrite) {
            List<StoredMessage> changed = new java.util.ArrayList<>();
            for (StoredMessage m : messages) {
                byte[] content = ("X-Received-By: the server\r\n" + new String(m.content(),
                        java.nio.charset.StandardCharsets.ISO_8859_1)).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                changed.add(new StoredMessage(m.uid(), m.flags(), m.internalDate(), content.length, content));
            }
            return store.append(mailbox, uidValidity, changed);
        }
        return store.append(mailbox, uidValidity, messages);
    }

    @Override
    public void store(Collection<Long> uids, Set<String> add, Set<String> remove) throws IOException {
        store.store(uids, add, remove);
    }

    @Override
    public void expunge(Collection<Long> uids) throws IOException {
        store.expunge(uids);
    }

    @Override
    public boolean idle(Duration timeout) throws IOException {
        return store.idle(timeout);
    }

    @Override
    public void close() {
        store.close();
    }
}
