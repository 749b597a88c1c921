package org.mailseal.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.StoreConfig;

/**
 * The {@code sync:} section of the configuration (issue 7), validated: stores by name, and the channels that pair
 * them.
 *
 * @param state         the SQLite state file (default: {@code <configuration file>.sync.db} beside it)
 * @param pollInterval  how often {@code --watch} runs every channel in full, changes or not
 * @param watchLimit    how many mailboxes {@code --watch} keeps an IDLE connection on; the others are polled
 * @param stores        by name, in configuration order
 * @param channels      in configuration order
 * @param keyHome       the key home ({@code keys.home}) whose keys translate copies for stores with {@code encryptTo}
 */
public record SyncConfig(Path state, Duration pollInterval, int watchLimit, Map<String, Store> stores,
                         List<Channel> channels, Path keyHome) {
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMinutes(5);
    public static final int DEFAULT_WATCH_LIMIT = 16;

    public SyncConfig {
        stores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stores));
        channels = List.copyOf(channels);
    }

    /**
     * A named store.
     *
     * @param upstream how to reach an IMAP store (trust, hostname verification, timeouts); null for a Maildir
     */
    public record Store(String name, StoreConfig config, ImapUpstreamConfig upstream) {
        @Override
        public String toString() {
            return name + " (" + config + ")";
        }
    }

    /** A channel with the named stores it pairs ({@code config.a()} is {@code a.config()}). */
    public record Channel(ChannelConfig config, Store a, Store b) {
        public String name() {
            return config.name();
        }
    }
}
