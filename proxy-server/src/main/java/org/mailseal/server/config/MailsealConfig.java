package org.mailseal.server.config;

import java.nio.file.Path;
import java.util.List;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.server.policy.Policy;

/**
 * The whole configuration, validated and loaded (TLS contexts built, files read).
 *
 * @param spoolMemoryBytes message bytes kept in memory while in flight, above which an encrypted temp file is used
 * @param gateway          mailseal's own key pair, which clients may encrypt to; null for none
 */
public record MailsealConfig(Path keyHome, Policy policy, EncryptionOptions encryption, long maxMessageBytes,
                             int maxRecipients, int spoolMemoryBytes, List<ListenerConfig> listeners,
                             GatewayKey gateway, List<ImapListenerConfig> imapListeners,
                             List<Pop3ListenerConfig> pop3Listeners) {
    public MailsealConfig {
        listeners = List.copyOf(listeners);
        imapListeners = List.copyOf(imapListeners);
        pop3Listeners = List.copyOf(pop3Listeners);
    }

    public MailsealConfig(Path keyHome, Policy policy, EncryptionOptions encryption, long maxMessageBytes,
                          int maxRecipients, int spoolMemoryBytes, List<ListenerConfig> listeners) {
        this(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes, listeners, null, List.of(),
                List.of());
    }

    /** The same configuration with these IMAP listeners. */
    public MailsealConfig withImapListeners(List<ImapListenerConfig> imap) {
        return new MailsealConfig(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes,
                listeners, gateway, imap, pop3Listeners);
    }

    /** The same configuration with these POP3 listeners. */
    public MailsealConfig withPop3Listeners(List<Pop3ListenerConfig> pop3) {
        return new MailsealConfig(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes,
                listeners, gateway, imapListeners, pop3);
    }

    /**
     * The gateway key: its address in the key home and the passphrase that unlocks it once, at start-up; the key
     * is then held only in memory.
     */
    public record GatewayKey(String address, char[] passphrase) {}
}
