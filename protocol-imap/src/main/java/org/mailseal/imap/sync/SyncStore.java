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
 * One side of a channel as the sync engine sees it: a store of mailboxes (an IMAP account; a Maildir later), one
 * mailbox selected at a time. Every method is bounded in what it reads; anything unexpected is an
 * {@link IOException}. Not thread-safe.
 */
public interface SyncStore extends AutoCloseable {

    /** The selectable mailboxes whose names match any of the patterns ({@code *} and {@code %} as in LIST). */
    List<String> list(List<String> patterns) throws IOException;

    /** The hierarchy delimiter, or 0 when the store is flat. */
    char delimiter() throws IOException;

    /** Creates a mailbox; succeeds when it exists already. */
    void create(String mailbox) throws IOException;

    /**
     * Deletes a mailbox that is not INBOX, with the messages it holds (never its child mailboxes); the engine
     * decides first that nothing in it would be lost. Leaves no mailbox selected.
     */
    void delete(String mailbox) throws IOException;

    /**
     * Selects a mailbox read-write. When {@link #incremental()} is true the store also enables QRESYNC (RFC 7162)
     * and reports HIGHESTMODSEQ.
     */
    SyncMailbox select(String mailbox) throws IOException;

    /** Whether {@link #changedSince} works: the server has QRESYNC (CHANGEDSINCE with VANISHED). */
    boolean incremental();

    /** Full scan of the selected mailbox: every message's UID, flags and size, by UID. */
    SortedMap<Long, MessageInfo> scan() throws IOException;

    /** Flags and sizes of those messages of the selected mailbox, by UID; gone ones are left out. */
    SortedMap<Long, MessageInfo> info(Collection<Long> uids) throws IOException;

    /**
     * Incremental scan of the selected mailbox: the messages whose mod-sequence is above {@code modSeq} (new ones
     * and those whose flags changed) and the UIDs expunged since then (VANISHED (EARLIER)).
     */
    StoreChanges changedSince(long modSeq) throws IOException;

    /** The Message-ID header of each of those messages that has one, by UID (for matching copies). */
    Map<Long, String> messageIds(Collection<Long> uids) throws IOException;

    /** The whole messages with flags and internal date; UIDs that no longer exist are left out. */
    List<StoredMessage> fetch(Collection<Long> uids) throws IOException;

    /**
     * Appends the messages (each with its flags and internal date) to the mailbox and returns their new UIDs in
     * the same order (APPENDUID, RFC 4315), checking the UIDVALIDITY against {@code uidValidity}.
     */
    List<Long> append(String mailbox, long uidValidity, List<StoredMessage> messages) throws IOException;

    /** Adds and removes flags on messages of the selected mailbox (silently; gone UIDs are ignored). */
    void store(Collection<Long> uids, Set<String> add, Set<String> remove) throws IOException;

    /** Flags to add and to remove on some messages. */
    record FlagUpdate(Collection<Long> uids, Set<String> add, Set<String> remove) {}

    /** Several flag updates; a store that can sends them at once (one round trip for all). */
    default void store(List<FlagUpdate> updates) throws IOException {
        for (FlagUpdate update : updates) {
            store(update.uids(), update.add(), update.remove());
        }
    }

    /** Marks the messages \Deleted and expunges exactly them (UID EXPUNGE). */
    void expunge(Collection<Long> uids) throws IOException;

    /**
     * Expunges those of the messages that did not change since {@code modSeq} (the HIGHESTMODSEQ a run read them at)
     * and returns them; a message changed meanwhile is left alone. A store without mod-sequences (or with
     * {@code modSeq} 0) expunges them all.
     */
    default List<Long> expungeUnchanged(Collection<Long> uids, long modSeq) throws IOException {
        expunge(uids);
        return List.copyOf(uids);
    }

    /** Waits (IDLE) until the selected mailbox changes or the timeout passes; true if it changed. */
    boolean idle(Duration timeout) throws IOException;

    @Override
    void close();
}
