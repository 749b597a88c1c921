package org.mailseal.imap.sync;

import java.io.IOException;

/**
 * Synchronises one channel: pairs the mailboxes its patterns select on both stores (creating missing ones when
 * folder creation propagates) and runs a {@link MailboxSync} on each pair.
 */
public final class ChannelSync {
    private final SyncState state;
    private final ChannelConfig channel;
    private final SyncStore a;
    private final SyncStore b;
    private final MessageTranslator translator;
    private final SyncListener listener;

    /** Both stores must be connected and logged in. */
    public ChannelSync(SyncState state, ChannelConfig channel, SyncStore a, SyncStore b, MessageTranslator translator,
                       SyncListener listener) {
        this.state = state;
        this.channel = channel;
        this.a = a;
        this.b = b;
        this.translator = translator;
        this.listener = listener;
    }

    /**
     * One run over every mailbox pair.
     *
     * @param force carry out expunges even beyond the channel's safety valve
     */
    public ChannelSummary run(boolean force) throws IOException {
        throw new UnsupportedOperationException("being written");
    }
}
