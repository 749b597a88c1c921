package org.mailseal.imap.sync;

/**
 * One mailbox on each side of a channel, synchronised with each other. The names may differ (hierarchy
 * delimiters, a prefix on one server).
 */
public record MailboxPair(String channel, String mailboxA, String mailboxB) {
    public MailboxPair {
        requireName("channel", channel);
        requireName("mailbox on side A", mailboxA);
        requireName("mailbox on side B", mailboxB);
    }

    public String mailbox(Side side) {
        return side == Side.A ? mailboxA : mailboxB;
    }

    private static void requireName(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }
}
