package org.mailseal.imap.sync;

/**
 * What a side's mailbox said at the end of the last synchronised step.
 *
 * @param uidValidity   the mailbox's UIDVALIDITY (RFC 3501 2.3.1.1); 0 until the mailbox was first seen
 * @param highestModSeq its HIGHESTMODSEQ (RFC 7162 3.1.2.1); 0 when unknown or the server has no CONDSTORE, which
 *                      means the next run compares UIDs and flags in full
 */
public record SideState(long uidValidity, long highestModSeq) {
    /** A side not seen yet. */
    public static final SideState UNKNOWN = new SideState(0, 0);

    public SideState {
        if (uidValidity < 0 || uidValidity > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("UIDVALIDITY out of range (nz-number): " + uidValidity);
        }
        if (highestModSeq < 0) {
            throw new IllegalArgumentException("HIGHESTMODSEQ must not be negative: " + highestModSeq);
        }
    }
}
