package org.mailseal.server.smtp;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.AddressLists;
import org.mailseal.crypto.mime.HeaderField;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.server.keys.AutocryptLearner;
import org.mailseal.server.keys.KeyLookupException;
import org.mailseal.server.ops.CryptoMeters;
import org.mailseal.server.ops.MailProtocol;
import org.mailseal.server.policy.Policy;
import org.mailseal.smtp.MessageContent;
import org.mailseal.smtp.MessageFilter;
import org.mailseal.smtp.OutboundCopy;
import org.mailseal.smtp.SmtpReply;
import org.mailseal.smtp.SmtpSessionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy and the crypto behind the SMTP session: which recipients get which copy of a message.
 *
 * <ul>
 *   <li>Recipients named in To/Cc whose keys share a format share one ciphertext (one session-key packet each).</li>
 *   <li>A Bcc recipient (RCPT not named in To, Cc, Resent-To or Resent-Cc) with a key gets a copy of its own, so
 *       no copy reveals a Bcc recipient's key to the others.</li>
 *   <li>Keyless recipients under {@code opportunistic} (and everyone under {@code never}) share the plaintext.</li>
 *   <li>A recipient under {@code require} without a usable key is refused at RCPT time; should the key vanish
 *       before the data ends, the message is refused (fail closed, DESIGN.md invariant 1).</li>
 *   <li>When a key source fails ({@link KeyLookupException}), a {@code require} recipient (at RCPT) or the message
 *       (at DATA) is refused with a 451 so that the client retries; an {@code opportunistic} recipient gets the
 *       plaintext, as without a key.</li>
 *   <li>Recipients in a domain with a gateway are encrypted to the gateway's key (system-to-system).</li>
 *   <li>A message a client encrypted to mailseal's own gateway key is decrypted and handled like any plaintext
 *       message; any other already-encrypted message passes through unchanged.</li>
 * </ul>
 * No copy carries a Bcc header. Key lookups and encryption run on the given executor, never on an event loop.
 * With an Autocrypt learner, the header of every message that arrives on an inbound listener ({@code INBOUND_SMTP},
 * {@code INBOUND_LMTP}; see {@link #forRole}), and of one opened with the gateway key its inner header, is shown to it
 * first; whatever it makes of the header, the message goes on unchanged. Submissions (our own users' outgoing mail)
 * and calls of {@link #process} without a role teach nothing: Autocrypt learns about peers from their mail to us.
 */
public final class EncryptingFilter implements MessageFilter {
    private static final Logger LOG = LoggerFactory.getLogger(EncryptingFilter.class);
    private static final String[] VISIBLE = {"To", "Cc", "Resent-To", "Resent-Cc"};
    /** 4xx: the client keeps the message and retries, by when the directory may answer again (RFC 5321 4.2.1). */
    static final SmtpReply DIRECTORY_DOWN = SmtpReply.of(451, "4.7.1", "Key directory unavailable, try again later");

    private final KeyDirectory keys;
    private final Policy policy;
    private final MessageEncryptor encryptor;
    private final CryptoLimits limits;
    private final int spoolMemoryBytes;
    private final Executor executor;
    private final List<UnlockedKey> gatewayKeys;
    private final MessageDecryptor decryptor;
    private final AutocryptLearner learner;
    private final CryptoMeters meters;

    public EncryptingFilter(KeyDirectory keys, Policy policy, CryptoLimits limits, EncryptionOptions options,
                            int spoolMemoryBytes, Executor executor) {
        this(keys, policy, limits, options, spoolMemoryBytes, executor, List.of());
    }

    /** @param gatewayKeys mailseal's own unlocked gateway key(s), for mail clients encrypted to it */
    public EncryptingFilter(KeyDirectory keys, Policy policy, CryptoLimits limits, EncryptionOptions options,
                            int spoolMemoryBytes, Executor executor, List<UnlockedKey> gatewayKeys) {
        this(keys, policy, limits, options, spoolMemoryBytes, executor, gatewayKeys, null,
                new CryptoMeters(new SimpleMeterRegistry()));
    }

    /** @param learner learns keys from Autocrypt headers of passing mail, or null for none */
    public EncryptingFilter(KeyDirectory keys, Policy policy, CryptoLimits limits, EncryptionOptions options,
                            int spoolMemoryBytes, Executor executor, List<UnlockedKey> gatewayKeys,
                            AutocryptLearner learner) {
        this(keys, policy, limits, options, spoolMemoryBytes, executor, gatewayKeys, learner,
                new CryptoMeters(new SimpleMeterRegistry()));
    }

    /**
     * @param learner learns keys from Autocrypt headers of passing mail, or null for none
     * @param meters  where messages encrypted, decrypted, passed on and refused are counted
     */
    public EncryptingFilter(KeyDirectory keys, Policy policy, CryptoLimits limits, EncryptionOptions options,
                            int spoolMemoryBytes, Executor executor, List<UnlockedKey> gatewayKeys,
                            AutocryptLearner learner, CryptoMeters meters) {
        this.meters = meters;
        this.keys = keys;
        this.policy = policy;
        this.encryptor = new MessageEncryptor(limits, options);
        this.limits = limits;
        this.spoolMemoryBytes = spoolMemoryBytes;
        this.executor = executor;
        this.gatewayKeys = List.copyOf(gatewayKeys);
        this.decryptor = new MessageDecryptor(limits, DecryptionOptions.DEFAULTS);
        this.learner = learner;
    }

    @Override
    public CompletionStage<SmtpReply> checkRecipient(Envelope envelope, String recipient) {
        if (policy.ruleFor(recipient).mode() != Policy.Mode.REQUIRE) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                if (!keys.encryptionKeys(policy.keyAddressFor(recipient)).isEmpty()) {
                    return null;
                }
            } catch (KeyLookupException e) {
                LOG.warn("key lookup for <{}> failed, refusing it for now: {}", recipient, e.getMessage());
                return DIRECTORY_DOWN;
            }
            meters.rejected(CryptoMeters.Rejection.RCPT);
            return SmtpReply.of(550, "5.7.1", "Encryption is required for <" + recipient + "> and no usable key is known");
        }, executor);
    }

    /**
     * The keys for a recipient. A failed lookup is "no key" under {@code opportunistic} (mail flows as plaintext, as
     * it would have without the directory) and a temporary refusal under {@code require} (the client retries).
     */
    private List<RecipientKey> keysFor(String recipient, Policy.Rule rule) {
        try {
            return keys.encryptionKeys(policy.keyAddressFor(recipient));
        } catch (KeyLookupException e) {
            if (rule.mode() == Policy.Mode.REQUIRE) {
                LOG.warn("key lookup for <{}> failed, refusing the message for now: {}", recipient, e.getMessage());
                throw new Refusal(DIRECTORY_DOWN);
            }
            LOG.warn("key lookup for <{}> failed, sending it plaintext (opportunistic): {}", recipient, e.getMessage());
            return List.of();
        }
    }

    /**
     * This filter as one listener uses it: the same, and it counts the messages whose copies it hands to the
     * upstream under that listener's role. Only on an inbound role does the Autocrypt learner see the mail.
     */
    public MessageFilter forRole(SmtpSessionConfig.Role role) {
        boolean learn = role == SmtpSessionConfig.Role.INBOUND_SMTP || role == SmtpSessionConfig.Role.INBOUND_LMTP;
        return new MessageFilter() {
            @Override
            public CompletionStage<SmtpReply> checkRecipient(Envelope envelope, String recipient) {
                return EncryptingFilter.this.checkRecipient(envelope, recipient);
            }

            @Override
            public CompletionStage<List<OutboundCopy>> process(Envelope envelope, MessageContent received) {
                return EncryptingFilter.this.process(envelope, received, learn).thenApply(copies -> {
                    meters.relayed(role);
                    return copies;
                });
            }
        };
    }

    /** Without a role, so the Autocrypt learner is not shown the message (see {@link #forRole}). */
    @Override
    public CompletionStage<List<OutboundCopy>> process(Envelope envelope, MessageContent received) {
        return process(envelope, received, false);
    }

    private CompletionStage<List<OutboundCopy>> process(Envelope envelope, MessageContent received, boolean learn) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return copies(envelope, received, learn);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }

    private List<OutboundCopy> copies(Envelope envelope, MessageContent received, boolean learn) throws IOException {
        HeaderSection header;
        long bodyOffset;
        try (BoundedInputStream in = new BoundedInputStream(new CanonicalLineInputStream(received.open()),
                Long.MAX_VALUE, "message")) {
            header = HeaderSection.read(in, limits.maxHeaderBytes());
            bodyOffset = in.count() - header.bodyPrefix().length;
        }
        if (learn) {
            learnFrom(header);
        }
        if (MessageDecryptor.encryptedFormat(header).isPresent()) {
            MessageContent opened = openedWithGatewayKey(received);
            if (opened == null) {
                meters.passed(MailProtocol.SMTP, CryptoMeters.Passed.FOREIGN_CIPHERTEXT);
                return List.of(copy(envelope, envelope.recipients(), received)); // not ours to open: as it is
            }
            List<OutboundCopy> copies = copies(envelope, opened, learn);
            if (copies.stream().noneMatch(copy -> copy.content() == opened)) {
                opened.close(); // the copies hold what they need; the plaintext goes
            }
            return copies;
        }
        Set<String> visible = new HashSet<>(AddressLists.addresses(header, VISIBLE));
        Map<Format, List<OutboundCopy.Recipient>> shared = new EnumMap<>(Format.class);
        Map<Format, List<RecipientKey>> sharedKeys = new EnumMap<>(Format.class);
        Map<OutboundCopy.Recipient, RecipientKey> bcc = new LinkedHashMap<>();
        List<OutboundCopy.Recipient> plaintext = new ArrayList<>();
        for (OutboundCopy.Recipient recipient : envelope.recipients()) {
            Policy.Rule rule = policy.ruleFor(recipient.address());
            RecipientKey key = rule.mode() == Policy.Mode.NEVER ? null : choose(keysFor(recipient.address(), rule), rule);
            if (key == null) {
                if (rule.mode() == Policy.Mode.REQUIRE) {
                    meters.rejected(CryptoMeters.Rejection.DATA);
                    throw new Refusal(SmtpReply.of(554, "5.7.1", "No usable key for <" + recipient.address() + ">"));
                }
                plaintext.add(recipient);
            } else if (visible.contains(recipient.address().toLowerCase(Locale.ROOT))) {
                shared.computeIfAbsent(key.format(), f -> new ArrayList<>()).add(recipient);
                List<RecipientKey> formatKeys = sharedKeys.computeIfAbsent(key.format(), f -> new ArrayList<>());
                if (formatKeys.stream().noneMatch(k -> k.fingerprint().equals(key.fingerprint()))) {
                    formatKeys.add(key); // recipients behind one gateway share its one session-key packet
                }
            } else {
                bcc.put(recipient, key);
            }
        }
        Message message = new Message(withoutBcc(header), received, bodyOffset);
        List<OutboundCopy> copies = new ArrayList<>();
        for (Map.Entry<Format, List<OutboundCopy.Recipient>> group : shared.entrySet()) {
            copies.add(copy(envelope, group.getValue(), encrypt(message, sharedKeys.get(group.getKey()))));
        }
        for (Map.Entry<OutboundCopy.Recipient, RecipientKey> alone : bcc.entrySet()) {
            copies.add(copy(envelope, List.of(alone.getKey()), encrypt(message, List.of(alone.getValue()))));
        }
        if (!plaintext.isEmpty()) {
            meters.passed(MailProtocol.SMTP, CryptoMeters.Passed.NO_KEY);
            copies.add(copy(envelope, plaintext, plaintextCopy(message)));
        }
        return copies;
    }

    private void learnFrom(HeaderSection header) {
        if (learner == null) {
            return;
        }
        try {
            learner.learn(header);
        } catch (RuntimeException e) {
            // Learning is a side matter: the message is delivered whatever went wrong (say, a full disk).
            LOG.warn("Autocrypt learning failed: {}", e.getClass().getSimpleName());
        }
    }

    /**
     * The plaintext of a message encrypted to mailseal's gateway key, or null when there is no gateway key or the
     * message is not for it (then it passes through unchanged).
     */
    private MessageContent openedWithGatewayKey(MessageContent received) throws IOException {
        if (gatewayKeys.isEmpty()) {
            return null;
        }
        try (InputStream in = received.open(); DecryptionResult result = decryptor.decrypt(in, gatewayKeys)) {
            SpillBuffer plaintext = new SpillBuffer(spoolMemoryBytes);
            result.message().writeTo(plaintext);
            meters.decrypted(MailProtocol.SMTP, result.format());
            return SpillSpool.content(plaintext);
        } catch (NotEncryptedException | DecryptionFailedException e) {
            return null;
        }
    }

    /** The preferred format's key, else OpenPGP, else S/MIME. */
    private static RecipientKey choose(List<RecipientKey> candidates, Policy.Rule rule) {
        if (candidates.isEmpty()) {
            return null;
        }
        for (Format format : rule.preferred() == null ? List.of(Format.PGP_MIME, Format.SMIME)
                : List.of(rule.preferred(), rule.preferred() == Format.PGP_MIME ? Format.SMIME : Format.PGP_MIME)) {
            for (RecipientKey key : candidates) {
                if (key.format() == format) {
                    return key;
                }
            }
        }
        return candidates.get(0);
    }

    private static OutboundCopy copy(Envelope envelope, List<OutboundCopy.Recipient> recipients, MessageContent content) {
        return new OutboundCopy(envelope.reversePath(), envelope.mailParameters(), recipients, content);
    }

    private static byte[] withoutBcc(HeaderSection header) {
        List<HeaderField> kept = header.fields().stream().filter(f -> !f.is("Bcc")).toList();
        return new HeaderSection(kept).toByteArray();
    }

    /**
     * The received message with a new header: the header is parsed once per message, and each copy reads the
     * body from its offset in the canonical stream.
     */
    private record Message(byte[] header, MessageContent received, long bodyOffset) {
        InputStream open() throws IOException {
            InputStream body = new CanonicalLineInputStream(received.open());
            body.skipNBytes(bodyOffset);
            return new SequenceInputStream(new ByteArrayInputStream(header), body);
        }
    }

    private MessageContent plaintextCopy(Message message) throws IOException {
        SpillBuffer out = SpillBuffer.withExpectedSize(spoolMemoryBytes, message.received().size() + 256);
        try (InputStream in = message.open()) {
            in.transferTo(out);
        }
        return SpillSpool.content(out);
    }

    private MessageContent encrypt(Message message, List<RecipientKey> recipients) throws IOException {
        // Armor and MIME make the ciphertext about a third larger than the message.
        SpillBuffer out = SpillBuffer.withExpectedSize(spoolMemoryBytes, message.received().size() * 4 / 3 + 2048);
        try (InputStream in = message.open()) {
            meters.encrypted(MailProtocol.SMTP, encryptor.encrypt(in, message.received().size(), out, recipients).format());
        }
        return SpillSpool.content(out);
    }
}
