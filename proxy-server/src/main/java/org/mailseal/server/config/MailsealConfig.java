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
 * @param keySources       where recipients' keys come from, in order, and how answers are cached
 * @param connectionLimits connections per client address, and how long a PROXY header may take
 * @param admin            where the admin endpoint (metrics, health) listens; null for none
 */
public record MailsealConfig(Path keyHome, Policy policy, EncryptionOptions encryption, long maxMessageBytes,
                             int maxRecipients, int spoolMemoryBytes, List<ListenerConfig> listeners,
                             GatewayKey gateway, List<ImapListenerConfig> imapListeners,
                             List<Pop3ListenerConfig> pop3Listeners, KeySourcesConfig keySources,
                             ConnectionLimitsConfig connectionLimits, AdminConfig admin) {
    public MailsealConfig {
        listeners = List.copyOf(listeners);
        imapListeners = List.copyOf(imapListeners);
        pop3Listeners = List.copyOf(pop3Listeners);
    }

    /** With the key home as the only key source, the default limits, and no admin endpoint. */
    public MailsealConfig(Path keyHome, Policy policy, EncryptionOptions encryption, long maxMessageBytes,
                          int maxRecipients, int spoolMemoryBytes, List<ListenerConfig> listeners,
                          GatewayKey gateway, List<ImapListenerConfig> imapListeners,
                          List<Pop3ListenerConfig> pop3Listeners) {
        this(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes, listeners, gateway,
                imapListeners, pop3Listeners, KeySourcesConfig.DEFAULTS, ConnectionLimitsConfig.DEFAULTS, null);
    }

    public MailsealConfig(Path keyHome, Policy policy, EncryptionOptions encryption, long maxMessageBytes,
                          int maxRecipients, int spoolMemoryBytes, List<ListenerConfig> listeners) {
        this(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes, listeners, null, List.of(),
                List.of());
    }

    /** The same configuration with these IMAP listeners. */
    public MailsealConfig withImapListeners(List<ImapListenerConfig> imap) {
        return new MailsealConfig(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes,
                listeners, gateway, imap, pop3Listeners, keySources, connectionLimits, admin);
    }

    /** The same configuration with these POP3 listeners. */
    public MailsealConfig withPop3Listeners(List<Pop3ListenerConfig> pop3) {
        return new MailsealConfig(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes,
                listeners, gateway, imapListeners, pop3, keySources, connectionLimits, admin);
    }

    /** The same configuration with this admin endpoint (null: none). */
    public MailsealConfig withAdmin(AdminConfig endpoint) {
        return new MailsealConfig(keyHome, policy, encryption, maxMessageBytes, maxRecipients, spoolMemoryBytes,
                listeners, gateway, imapListeners, pop3Listeners, keySources, connectionLimits, endpoint);
    }

    /**
     * The gateway key: its address, and where its private key is. In the key home, unlocked once at start-up with
     * the passphrase and then held only in memory; or in a PKCS#11 token, where it stays; or both (an OpenPGP key in
     * the key home beside an S/MIME key in the token).
     *
     * @param passphrase unlocks the gateway key(s) in the key home; null when the key is only in a token
     * @param token      the gateway's S/MIME key in a PKCS#11 token; null for none
     */
    public record GatewayKey(String address, char[] passphrase, TokenKey token) {
        public GatewayKey(String address, char[] passphrase) {
            this(address, passphrase, null);
        }
    }

    /**
     * An RSA private key and its X.509 certificate in a PKCS#11 token, used through the JDK's SunPKCS11 provider.
     * The token is chosen by slot ID or by position in the slot list (exactly one is set); the key by the label
     * that its certificate carries. The PIN is read once, at start-up.
     *
     * @param slot      the PKCS#11 slot ID, or null
     * @param slotIndex the position in the library's slot list, or null
     */
    public record TokenKey(java.nio.file.Path library, Long slot, Integer slotIndex, String keyLabel, PinSource pin) {}

    /** Where the token's PIN comes from. Only the place is configuration; the PIN itself is read at start-up. */
    public sealed interface PinSource {
        /** The first line of a file. */
        record File(java.nio.file.Path path) implements PinSource {}

        /** An environment variable of the mailseal process. */
        record Environment(String variable) implements PinSource {}

        /** Asked on the console (no echo). */
        record Prompt() implements PinSource {}
    }
}
