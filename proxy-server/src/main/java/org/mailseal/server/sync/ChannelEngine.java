package org.mailseal.server.sync;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyUnlockException;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.ChannelSummary;
import org.mailseal.imap.sync.ChannelSync;
import org.mailseal.imap.sync.MessageTranslator;
import org.mailseal.imap.sync.StoreConfig;
import org.mailseal.imap.sync.SyncListener;
import org.mailseal.imap.sync.SyncState;
import org.mailseal.imap.sync.SyncStore;

/** One run of the sync engine over a channel whose stores are open; a seam so the command is tested without it. */
@FunctionalInterface
public interface ChannelEngine {
    ChannelSummary run(SyncState state, ChannelConfig channel, SyncStore a, SyncStore b, SyncListener listener,
                       boolean force) throws IOException;

    /**
     * {@link ChannelSync}. Where a store names a key ({@code encryptTo}), copies for it go through a
     * {@link KeyTranslator} over the key home: the private keys of each such IMAP store's address are unlocked with
     * that store's mail password (DESIGN.md: the passphrase is the mail password) for the run, and closed after it.
     */
    static ChannelEngine production(Path keyHome) {
        return (state, channel, a, b, listener, force) -> {
            if (channel.a().encryptTo().isEmpty() && channel.b().encryptTo().isEmpty()) {
                return new ChannelSync(state, channel, a, b, MessageTranslator.NONE, listener).run(force);
            }
            if (keyHome == null) {
                throw new IOException("channel " + channel.name() + ": encryptTo needs the key home (keys.home)");
            }
            Map<String, char[]> passphrases = new LinkedHashMap<>();
            try {
                for (StoreConfig store : List.of(channel.a(), channel.b())) {
                    if (store.encryptTo().isPresent() && store instanceof StoreConfig.Imap imap) {
                        passphrases.put(store.encryptTo().get(), StoreOpener.firstLine(imap));
                    }
                }
                try (KeyTranslator translator = KeyTranslator.open(FileKeyHome.open(keyHome), passphrases)) {
                    return new ChannelSync(state, channel, a, b, translator, listener).run(force);
                } catch (KeyUnlockException e) {
                    throw new IOException("channel " + channel.name() + ": " + e.getMessage(), e);
                }
            } finally {
                passphrases.values().forEach(p -> Arrays.fill(p, '\0'));
            }
        };
    }
}
