package org.mailseal.server.sync;

import java.io.IOException;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.ChannelSummary;
import org.mailseal.imap.sync.ChannelSync;
import org.mailseal.imap.sync.MessageTranslator;
import org.mailseal.imap.sync.SyncListener;
import org.mailseal.imap.sync.SyncState;
import org.mailseal.imap.sync.SyncStore;

/** One run of the sync engine over a channel whose stores are open; a seam so the command is tested without it. */
@FunctionalInterface
public interface ChannelEngine {
    ChannelSummary run(SyncState state, ChannelConfig channel, SyncStore a, SyncStore b, SyncListener listener,
                       boolean force) throws IOException;

    /** {@link ChannelSync}, storing messages as they are. */
    static ChannelEngine production() {
        return (state, channel, a, b, listener, force) -> {
            if (channel.a().encryptTo().isPresent() || channel.b().encryptTo().isPresent()) {
                // Fail closed: copying plaintext to a store that was configured to hold only encrypted copies
                // would be the one mistake sync must not make.
                throw new IOException("encryptTo (key translation) is not supported by sync yet; remove it from"
                        + " the stores of this channel or wait for it");
            }
            return new ChannelSync(state, channel, a, b, MessageTranslator.NONE, listener).run(force);
        };
    }
}
