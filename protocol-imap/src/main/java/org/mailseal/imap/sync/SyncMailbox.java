package org.mailseal.imap.sync;

/**
 * A selected mailbox of a {@link SyncStore}.
 *
 * @param highestModSeq HIGHESTMODSEQ (RFC 7162), 0 when the store has none
 */
public record SyncMailbox(String name, long uidValidity, long uidNext, long exists, long highestModSeq) {}
