package org.mailseal.imap.sync;

import java.util.List;

/** Everything the store holds about one mailbox pair; for a pair never synchronised, both sides unknown and no messages. */
public record MailboxState(MailboxPair pair, SideState sideA, SideState sideB, List<MessagePair> messages) {
    public MailboxState {
        messages = List.copyOf(messages);
    }

    public SideState side(Side side) {
        return side == Side.A ? sideA : sideB;
    }
}
