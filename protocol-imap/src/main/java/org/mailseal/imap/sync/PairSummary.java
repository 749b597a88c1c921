package org.mailseal.imap.sync;

/**
 * What one run did to one mailbox pair.
 *
 * @param copiedToA    messages of B appended to A
 * @param copiedToB    messages of A appended to B
 * @param matched      messages found on both sides by content (a first sync of aligned mailboxes, a copy whose
 *                     record a crash lost, a re-match after a UIDVALIDITY change) and recorded without a copy
 * @param flagged      messages whose flags were changed on one side or both
 * @param expunged     messages expunged on one side because they were expunged on the other
 * @param conflicts    messages expunged on one side while their flags changed on the other: kept, not expunged
 * @param heldExpunges expunges not carried out because they exceeded the safety valve (needs {@code --force})
 * @param incremental  whether both sides were read incrementally (QRESYNC) instead of in full
 */
public record PairSummary(MailboxPair pair, int copiedToA, int copiedToB, int matched, int flagged, int expunged,
                          int conflicts, int heldExpunges, boolean incremental) {

    /** Whether the run changed nothing on either side. */
    public boolean changedNothing() {
        return copiedToA == 0 && copiedToB == 0 && matched == 0 && flagged == 0 && expunged == 0;
    }

    @Override
    public String toString() {
        String mailbox = pair.mailboxA().equals(pair.mailboxB()) ? pair.mailboxA()
                : pair.mailboxA() + " <-> " + pair.mailboxB();
        if (changedNothing() && heldExpunges == 0 && conflicts == 0) {
            return mailbox + ": nothing to do";
        }
        return mailbox + ": copied " + copiedToB + " to B, " + copiedToA + " to A; matched " + matched + "; flagged "
                + flagged + "; expunged " + expunged + "; conflicts " + conflicts
                + (heldExpunges > 0 ? "; " + heldExpunges + " expunges held back (more than the safety valve"
                + " allows; rerun with --force to carry them out)" : "");
    }
}
