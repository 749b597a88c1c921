package org.mailseal.imap.client;

/**
 * What SELECT reported (RFC 3501 §6.3.1); uidNext is 0 when the server did not say, highestModSeq (RFC 7162 §3.1.2.1)
 * 0 when it has none for the mailbox (NOMODSEQ) or CONDSTORE is not in use.
 */
public record SelectedMailbox(String name, long exists, long uidValidity, long uidNext, long highestModSeq) {
    public SelectedMailbox(String name, long exists, long uidValidity, long uidNext) {
        this(name, exists, uidValidity, uidNext, 0);
    }
}
