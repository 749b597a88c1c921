package org.mailseal.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.ContentType;
import org.mailseal.crypto.mime.HeaderProtection;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.crypto.mime.MimeStructureCheck;
import org.mailseal.crypto.pgp.PgpMimeReader;
import org.mailseal.crypto.smime.SmimeReader;

/**
 * Decrypts whole messages. Only a top-level PGP/MIME {@code multipart/encrypted} or S/MIME
 * {@code application/pkcs7-mime} enveloped message is decrypted; encrypted parts inside other structures are not
 * (EFAIL direct exfiltration). Integrity is required, and no plaintext byte leaves before it was checked: the
 * plaintext is buffered (memory, then an encrypted temp file) and handed out only after the MDC or AEAD tag
 * verified. Thread-safe.
 */
public final class MessageDecryptor {
    private final CryptoLimits limits;
    private final DecryptionOptions options;

    public MessageDecryptor(CryptoLimits limits, DecryptionOptions options) {
        this.limits = limits;
        this.options = options;
    }

    public MessageDecryptor() {
        this(CryptoLimits.DEFAULTS, DecryptionOptions.DEFAULTS);
    }

    /** What kind of encrypted message a header announces, if any. */
    public static Optional<Format> encryptedFormat(HeaderSection header) {
        ContentType type = header.contentType();
        if (type.is("multipart/encrypted")) {
            boolean pgp = type.parameter("protocol").map(p -> p.equalsIgnoreCase("application/pgp-encrypted")).orElse(false);
            return pgp ? Optional.of(Format.PGP_MIME) : Optional.empty();
        }
        if (type.is("application/pkcs7-mime") || type.is("application/x-pkcs7-mime")) {
            Optional<String> smimeType = type.parameter("smime-type").map(s -> s.toLowerCase(Locale.ROOT));
            if (smimeType.isPresent()) {
                return smimeType.get().equals("enveloped-data") || smimeType.get().equals("authenveloped-data")
                        ? Optional.of(Format.SMIME) : Optional.empty();
            }
            // RFC 8551 §3.2.2: older agents leave out smime-type; the name tells.
            boolean named = type.parameter("name").map(n -> n.toLowerCase(Locale.ROOT).endsWith(".p7m")).orElse(false);
            return named ? Optional.of(Format.SMIME) : Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * Decrypts a message with any of the given keys.
     *
     * @throws NotEncryptedException     the message is not a top-level encrypted message: pass it on unchanged
     * @throws DecryptionFailedException no key opened it, or it failed the integrity check, or it is malformed
     * @throws LimitExceededException    the message (as received) is larger than the limits allow
     */
    public DecryptionResult decrypt(InputStream message, Collection<? extends UnlockedKey> keys)
            throws IOException, NotEncryptedException, DecryptionFailedException {
        BoundedInputStream bounded = new BoundedInputStream(message, limits.maxMessageBytes(), "message");
        InputStream canonical = new CanonicalLineInputStream(bounded);
        HeaderSection outer = HeaderSection.read(canonical, limits.maxHeaderBytes());
        Format format = encryptedFormat(outer).orElseThrow(
                () -> new NotEncryptedException("top-level type is " + outer.contentType().mimeType()));
        InputStream body = new SequenceInputStream(new ByteArrayInputStream(outer.bodyPrefix()), canonical);
        SpillBuffer plaintext = new SpillBuffer(limits.memoryBufferBytes());
        boolean success = false;
        try {
            Opened opened;
            try {
                opened = switch (format) {
                    case PGP_MIME -> PgpMimeReader.decrypt(outer, body, keys, limits, plaintext);
                    case SMIME -> SmimeReader.decrypt(outer, body, keys, limits, options, plaintext);
                };
            } catch (DecryptionFailedException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                if (bounded.count() > limits.maxMessageBytes()) {
                    throw new LimitExceededException("message larger than " + limits.maxMessageBytes() + " bytes");
                }
                throw new DecryptionFailedException(e);
            }
            PlaintextMessage restored = restoreHeaders(outer, plaintext);
            success = true;
            return new DecryptionResult(format, opened.keyFingerprint(), opened.integrity(), restored);
        } finally {
            if (!success) {
                plaintext.close();
            }
        }
    }

    /** What a format reader reports after the plaintext was written and verified. */
    public record Opened(String keyFingerprint, Integrity integrity) {}

    private PlaintextMessage restoreHeaders(HeaderSection outer, SpillBuffer plaintext) throws IOException {
        HeaderSection inner;
        long bodyOffset;
        try (BoundedInputStream in = new BoundedInputStream(plaintext.openStream(), Long.MAX_VALUE, "plaintext")) {
            inner = HeaderSection.read(in, limits.maxHeaderBytes());
            bodyOffset = in.count() - inner.bodyPrefix().length;
        }
        byte[] header = HeaderProtection.restore(outer, inner).toByteArray();
        PlaintextMessage message = new PlaintextMessage(header, plaintext, bodyOffset);
        ContentType type = inner.contentType();
        if (type.isMultipart() || type.type().equals("message")) {
            try (InputStream in = message.openStream()) {
                MimeStructureCheck.check(in, limits);
            }
        }
        return message;
    }
}
