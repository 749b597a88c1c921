package org.mailseal.server.config;

import java.nio.file.Path;
import java.util.List;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.server.policy.Policy;

/**
 * The whole configuration, validated and loaded (TLS contexts built, files read).
 *
 * @param spoolMemoryBytes message bytes kept in memory while in flight, above which an encrypted temp file is used
 */
public record MailsealConfig(Path keyHome, Policy policy, EncryptionOptions encryption, long maxMessageBytes,
                             int maxRecipients, int spoolMemoryBytes, List<ListenerConfig> listeners) {
    public MailsealConfig {
        listeners = List.copyOf(listeners);
    }
}
