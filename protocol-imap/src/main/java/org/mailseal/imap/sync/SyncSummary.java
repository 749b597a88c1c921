package org.mailseal.imap.sync;

/**
 * What one run of {@link MailboxSync} did in one direction.
 *
 * @param copied         messages appended to the destination and recorded
 * @param alreadyPresent messages found on the destination by content key (a previous run appended them but died
 *                       before recording) and recorded without a second copy
 * @param unchanged      messages of the source the state already knew
 */
public record SyncSummary(int copied, int alreadyPresent, int unchanged) {
    /** Whether the run changed nothing on either side nor in the state. */
    public boolean changedNothing() {
        return copied == 0 && alreadyPresent == 0;
    }

    @Override
    public String toString() {
        return changedNothing() ? "nothing to do (" + unchanged + " unchanged)"
                : "copied " + copied + ", already present " + alreadyPresent + ", unchanged " + unchanged;
    }
}
