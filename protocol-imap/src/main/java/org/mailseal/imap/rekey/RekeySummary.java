package org.mailseal.imap.rekey;

import java.util.EnumMap;
import java.util.Map;

/** Counts of a finished run, by outcome, and the bytes examined. */
public record RekeySummary(Map<RekeyListener.Outcome, Long> counts, long bytes) {
    public RekeySummary {
        counts = Map.copyOf(counts);
    }

    public long count(RekeyListener.Outcome outcome) {
        return counts.getOrDefault(outcome, 0L);
    }

    static RekeySummary of(EnumMap<RekeyListener.Outcome, Long> counts, long bytes) {
        return new RekeySummary(counts, bytes);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (RekeyListener.Outcome o : RekeyListener.Outcome.values()) {
            if (count(o) > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(o.name().toLowerCase().replace('_', ' ')).append(' ')
                        .append(count(o));
            }
        }
        return (b.isEmpty() ? "no messages" : b.toString()) + "; " + bytes + " bytes examined";
    }
}
