package org.mailseal.imap.sync;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A channel: two stores kept aligned, which of their mailboxes, in which direction, and what propagates.
 *
 * @param name            names the channel in the sync state and in logs: letters, digits, '.', '_', '-'
 * @param a               side A
 * @param b               side B
 * @param mailboxes       mailbox patterns as IMAP LIST takes them: {@code *} matches across levels, {@code %} within
 *                        one ({@code INBOX}, {@code Archive/*}, {@code *})
 * @param direction       which way changes travel
 * @param propagate       which kinds of change travel
 * @param maxExpungeShare the safety valve: the share of a mailbox (0 to 1) that one run may expunge before it stops
 *                        and asks for {@code --force}; it protects against a server that reset or emptied a mailbox
 */
public record ChannelConfig(String name, StoreConfig a, StoreConfig b, List<String> mailboxes, Direction direction,
                            Set<Change> propagate, double maxExpungeShare) {

    public enum Direction {
        /** Changes on either side are applied to the other. */
        BOTH,
        /** Changes on A are applied to B; B is never read for changes and A is never written. */
        PUSH,
        /** Changes on B are applied to A; the mirror of {@link #PUSH}. */
        PULL
    }

    public enum Change { NEW, FLAGS, EXPUNGES, CREATE_FOLDERS, DELETE_FOLDERS }

    /** Everything but folder deletion: deleting a whole folder because one side lost it is too costly a mistake. */
    public static final Set<Change> DEFAULT_PROPAGATION =
            Set.copyOf(EnumSet.complementOf(EnumSet.of(Change.DELETE_FOLDERS)));

    public static final double DEFAULT_MAX_EXPUNGE_SHARE = 0.25;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public ChannelConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("channel name must be 1-64 letters, digits, '.', '_' or '-', got "
                    + (name == null ? "none" : "'" + name.strip() + "'"));
        }
        String where = "channel " + name + ": ";
        if (a == null || b == null) {
            throw new IllegalArgumentException(where + "both stores (a and b) are required");
        }
        if (a.sameStoreAs(b)) {
            throw new IllegalArgumentException(where + "a and b are the same store (" + a + ")");
        }
        if (mailboxes == null || mailboxes.isEmpty()) {
            throw new IllegalArgumentException(where + "at least one mailbox pattern is required, e.g. INBOX or *");
        }
        mailboxes = List.copyOf(mailboxes);
        Set<String> seen = new HashSet<>();
        for (String pattern : mailboxes) {
            if (pattern.isBlank() || pattern.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException(where + "mailbox pattern '" + pattern.strip()
                        + "' must be non-blank without control characters");
            }
            if (!seen.add(pattern)) {
                throw new IllegalArgumentException(where + "mailbox pattern '" + pattern + "' is listed twice");
            }
        }
        if (direction == null) {
            throw new IllegalArgumentException(where + "direction (both, push, pull) is required");
        }
        if (propagate == null || propagate.isEmpty()) {
            throw new IllegalArgumentException(where + "propagates nothing; name at least one of " + List.of(Change.values()));
        }
        propagate = Set.copyOf(propagate);
        if (Double.isNaN(maxExpungeShare) || maxExpungeShare < 0 || maxExpungeShare > 1) {
            throw new IllegalArgumentException(where + "the expunge safety valve is a share from 0 to 1 (0.25 = 25%),"
                    + " got " + maxExpungeShare);
        }
    }

    /** A channel with the defaults: both directions, all but folder deletion, at most 25% expunged per run. */
    public static ChannelConfig of(String name, StoreConfig a, StoreConfig b, List<String> mailboxes) {
        return new ChannelConfig(name, a, b, mailboxes, Direction.BOTH, DEFAULT_PROPAGATION, DEFAULT_MAX_EXPUNGE_SHARE);
    }

    public ChannelConfig withDirection(Direction d) {
        return new ChannelConfig(name, a, b, mailboxes, d, propagate, maxExpungeShare);
    }

    public ChannelConfig withPropagate(Set<Change> changes) {
        return new ChannelConfig(name, a, b, mailboxes, direction, changes, maxExpungeShare);
    }

    public ChannelConfig withMaxExpungeShare(double share) {
        return new ChannelConfig(name, a, b, mailboxes, direction, propagate, share);
    }

    public StoreConfig store(Side side) {
        return side == Side.A ? a : b;
    }

    public boolean propagates(Change change) {
        return propagate.contains(change);
    }

    /** Whether changes found on {@code from} are applied to the other side. */
    public boolean flowsFrom(Side from) {
        return direction == Direction.BOTH || (direction == Direction.PUSH) == (from == Side.A);
    }

    /**
     * Whether a run that would expunge {@code toExpunge} of the {@code mailboxSize} messages of a mailbox must stop
     * and ask for {@code --force}. An empty mailbox has nothing to lose.
     */
    public boolean expungeNeedsForce(long toExpunge, long mailboxSize) {
        if (toExpunge < 0 || mailboxSize < 0 || toExpunge > mailboxSize) {
            throw new IllegalArgumentException("cannot expunge " + toExpunge + " of " + mailboxSize + " messages");
        }
        return toExpunge > 0 && toExpunge > maxExpungeShare * mailboxSize;
    }
}
