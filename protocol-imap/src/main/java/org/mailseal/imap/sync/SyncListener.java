package org.mailseal.imap.sync;

/** Progress of a sync run, for a progress bar and log lines. Called on the engine's thread. */
public interface SyncListener {
    /** A mailbox pair is about to copy {@code messages} messages of {@code bytes} bytes in all. */
    default void planned(MailboxPair pair, int messages, long bytes) {}

    /** {@code messages} more messages of {@code bytes} bytes were copied. */
    default void copied(MailboxPair pair, int messages, long bytes) {}

    /** A mailbox pair is done. */
    default void finished(MailboxPair pair, PairSummary summary) {}

    SyncListener NONE = new SyncListener() {};
}
