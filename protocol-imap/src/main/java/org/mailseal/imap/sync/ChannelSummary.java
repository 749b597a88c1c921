package org.mailseal.imap.sync;

import java.util.List;
import java.util.function.ToIntFunction;

/** What one run did to a channel: a summary per mailbox pair, and folders created. */
public record ChannelSummary(String channel, List<PairSummary> pairs, List<String> foldersCreated) {
    public ChannelSummary {
        pairs = List.copyOf(pairs);
        foldersCreated = List.copyOf(foldersCreated);
    }

    public int total(ToIntFunction<PairSummary> field) {
        return pairs.stream().mapToInt(field).sum();
    }

    /** Whether some expunges were held back by the safety valve. */
    public boolean needsForce() {
        return total(PairSummary::heldExpunges) > 0;
    }

    public boolean changedNothing() {
        return foldersCreated.isEmpty() && pairs.stream().allMatch(PairSummary::changedNothing);
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
                + (needsForce() ? "; " + total(PairSummary::heldExpunges) + " expunges held back, rerun with --force"
                : "");
    }
}
