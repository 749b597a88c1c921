package org.mailseal.imap.sync;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What one run did to a channel: a summary per mailbox pair, and folders created, deleted, or whose deletion was
 * held back by the safety valve; each folder as {@code A:name} or {@code B:name}.
 */
public record ChannelSummary(String channel, List<PairSummary> pairs, List<String> foldersCreated,
                             List<String> foldersDeleted, List<String> folderDeletionsHeld) {
    public ChannelSummary {
        pairs = List.copyOf(pairs);
        foldersCreated = List.copyOf(foldersCreated);
        foldersDeleted = List.copyOf(foldersDeleted);
        folderDeletionsHeld = List.copyOf(folderDeletionsHeld);
    }

    public ChannelSummary(String channel, List<PairSummary> pairs, List<String> foldersCreated) {
        this(channel, pairs, foldersCreated, List.of(), List.of());
    }

    public int total(ToIntFunction<PairSummary> field) {
        return pairs.stream().mapToInt(field).sum();
    }

    /** Whether some expunges or folder deletions were held back by the safety valve. */
    public boolean needsForce() {
        return total(PairSummary::heldExpunges) > 0 || !folderDeletionsHeld.isEmpty();
    }

    public boolean changedNothing() {
        return foldersCreated.isEmpty() && foldersDeleted.isEmpty()
                && pairs.stream().allMatch(PairSummary::changedNothing);
    }

    @Override
    public String toString() {
        if (changedNothing() && !needsForce() && total(PairSummary::conflicts) == 0) {
            return "channel " + channel + ": nothing to do (" + pairs.size() + " mailboxes in sync)";
        }
        return "channel " + channel + ": copied " + (total(PairSummary::copiedToA) + total(PairSummary::copiedToB))
                + ", matched " + total(PairSummary::matched) + ", flagged " + total(PairSummary::flagged)
                + ", expunged " + total(PairSummary::expunged) + ", conflicts " + total(PairSummary::conflicts)
                + ", folders created " + foldersCreated.size()
                + (foldersDeleted.isEmpty() ? "" : ", folders deleted " + foldersDeleted.size())
                + (total(PairSummary::heldExpunges) > 0 ? "; " + total(PairSummary::heldExpunges)
                + " expunges held back, rerun with --force" : "")
                + (folderDeletionsHeld.isEmpty() ? "" : "; deletion of " + String.join(", ", folderDeletionsHeld)
                + " held back (they hold messages), rerun with --force");
    }
}
