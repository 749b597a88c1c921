package org.mailseal.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.mailseal.crypto.Format;
import org.mailseal.smtp.SmtpSessionConfig;

/**
 * The counters of the crypto paths (SMTP encryption, IMAP and POP3 decryption), registered up front so that each
 * shows as zero rather than missing before its first event.
 */
public final class CryptoMeters {
    /** Why a message or copy went on without crypto. */
    public enum Passed {
        /** Sent or stored as plaintext: no usable key, or policy {@code never}. */
        NO_KEY,
        /** Already encrypted, and not to mailseal's gateway key: relayed or stored as it is. */
        FOREIGN_CIPHERTEXT,
        /** Read from a mailbox unencrypted: returned as stored. */
        NOT_ENCRYPTED;

        String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where policy refused: a recipient at RCPT (550), or a whole message after its data (554). */
    public enum Rejection { RCPT, DATA }

    private final Map<MailProtocol, Map<Format, Counter>> encrypted = new EnumMap<>(MailProtocol.class);
    private final Map<MailProtocol, Map<Format, Counter>> decrypted = new EnumMap<>(MailProtocol.class);
    private final Map<MailProtocol, Map<Passed, Counter>> passed = new EnumMap<>(MailProtocol.class);
    private final Map<MailProtocol, Counter> decryptFailures = new EnumMap<>(MailProtocol.class);
    private final Map<Rejection, Counter> rejections = new EnumMap<>(Rejection.class);
    private final Map<SmtpSessionConfig.Role, Counter> relayed = new EnumMap<>(SmtpSessionConfig.Role.class);

    public CryptoMeters(MeterRegistry registry) {
        for (MailProtocol protocol : MailProtocol.values()) {
            encrypted.put(protocol, byFormat(registry, MailsealMetrics.MESSAGES_ENCRYPTED, "Ciphertexts made", protocol));
            decrypted.put(protocol, byFormat(registry, MailsealMetrics.MESSAGES_DECRYPTED, "Messages decrypted", protocol));
            Map<Passed, Counter> reasons = new EnumMap<>(Passed.class);
            for (Passed reason : Passed.values()) {
                reasons.put(reason, Counter.builder(MailsealMetrics.MESSAGES_PASSED)
                        .description("Messages or copies passed on without encryption or decryption")
                        .tag(MailsealMetrics.PROTOCOL, protocol.tag()).tag("reason", reason.tag()).register(registry));
            }
            passed.put(protocol, reasons);
            decryptFailures.put(protocol, Counter.builder(MailsealMetrics.DECRYPT_FAILURES)
                    .description("Encrypted messages that could not be decrypted for their reader")
                    .tag(MailsealMetrics.PROTOCOL, protocol.tag()).register(registry));
        }
        for (Rejection stage : Rejection.values()) {
            rejections.put(stage, Counter.builder(MailsealMetrics.POLICY_REJECTIONS)
                    .description("Recipients (rcpt) or messages (data) refused because policy requires a key")
                    .tag("stage", stage.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        for (SmtpSessionConfig.Role role : SmtpSessionConfig.Role.values()) {
            relayed.put(role, Counter.builder(MailsealMetrics.MESSAGES_RELAYED)
                    .description("SMTP messages whose copies were handed to the upstream")
                    .tag("role", roleTag(role)).register(registry));
        }
    }

    /** A counter of each format for one protocol. */
    private static Map<Format, Counter> byFormat(MeterRegistry registry, String name, String description,
                                                 MailProtocol protocol) {
        Map<Format, Counter> counters = new EnumMap<>(Format.class);
        for (Format format : Format.values()) {
            counters.put(format, Counter.builder(name).description(description)
                    .tag(MailsealMetrics.PROTOCOL, protocol.tag()).tag(MailsealMetrics.FORMAT, formatTag(format))
                    .register(registry));
        }
        return counters;
    }

    /** The {@code format} tag: {@code pgp} or {@code smime}. */
    public static String formatTag(Format format) {
        return format == Format.PGP_MIME ? "pgp" : "smime";
    }

    static String roleTag(SmtpSessionConfig.Role role) {
        return switch (role) {
            case SUBMISSION -> "submission";
            case INBOUND_SMTP -> "inbound";
            case INBOUND_LMTP -> "lmtp";
        };
    }

    public void encrypted(MailProtocol protocol, Format format) {
        encrypted.get(protocol).get(format).increment();
    }

    public void decrypted(MailProtocol protocol, Format format) {
        decrypted.get(protocol).get(format).increment();
    }

    public void passed(MailProtocol protocol, Passed reason) {
        passed.get(protocol).get(reason).increment();
    }

    public void decryptFailed(MailProtocol protocol) {
        decryptFailures.get(protocol).increment();
    }

    public void rejected(Rejection stage) {
        rejections.get(stage).increment();
    }

    public void relayed(SmtpSessionConfig.Role role) {
        relayed.get(role).increment();
    }
}
