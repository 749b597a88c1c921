package org.mailseal.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.Bytes;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.io.LineEndings;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.ContentType;
import org.mailseal.crypto.mime.HeaderProtection;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.crypto.mime.MimeParts;
import org.mailseal.crypto.mime.MimeStructureCheck;
import org.mailseal.crypto.pgp.PgpMimeReader;
import org.mailseal.crypto.smime.SmimeReader;

/**
 * Decrypts whole messages. Only a top-level PGP/MIME {@code multipart/encrypted} or S/MIME
 * {@code application/pkcs7-mime} enveloped message is decrypted; encrypted parts inside other structures are not
 * (EFAIL direct exfiltration). Integrity is required, and no plaintext byte leaves before it was checked: the
 * plaintext is buffered (memory, then an encrypted temp file) and handed out only after the MDC or AEAD tag
 * verified. The encrypted message itself is read into memory, bounded by {@link CryptoLimits#maxMessageBytes()}.
 * Thread-safe.
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
        byte[] raw = message.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxMessageBytes() + 1));
        if (raw.length > limits.maxMessageBytes()) {
            throw new LimitExceededException("message larger than " + limits.maxMessageBytes() + " bytes");
        }
        return decrypt(raw, raw.length, keys);
    }

    /** Decrypts the first {@code length} bytes of an array (not changed, not kept). */
    public DecryptionResult decrypt(byte[] message, int length, Collection<? extends UnlockedKey> keys)
            throws IOException, NotEncryptedException, DecryptionFailedException {
        if (length > limits.maxMessageBytes()) {
            throw new LimitExceededException("message larger than " + limits.maxMessageBytes() + " bytes");
        }
        // The MIME structure is found on CRLF lines. Messages almost always arrive canonical, so one whose header
        // section is canonical is parsed as it is, and the whole-message check of line endings runs only if
        // decryption then fails.
        if (!headerIsCanonical(message, length)) {
            byte[] canonical = canonicalCopy(message, length);
            return decrypt(canonical, canonical.length, keys);
        }
        MimeParts mime = new MimeParts(message, length, limits);
        MimeParts.Entity outer = mime.message();
        Format format = encryptedFormat(outer.header()).orElseThrow(
                () -> new NotEncryptedException("top-level type is " + outer.contentType().mimeType()));
        try {
            return decrypt(mime, outer, format, keys);
        } catch (DecryptionFailedException e) {
            if (LineEndings.isCanonical(message, 0, length)) {
                throw e;
            }
            byte[] canonical = canonicalCopy(message, length);
            MimeParts canonicalMime = new MimeParts(canonical, canonical.length, limits);
            return decrypt(canonicalMime, canonicalMime.message(), format, keys);
        }
    }

    private static final byte[] END_OF_HEADER = {'\r', '\n', '\r', '\n'};

    private boolean headerIsCanonical(byte[] message, int length) {
        int headerEnd = Bytes.indexOf(message, 0, Math.min(length, limits.maxHeaderBytes() + 4), END_OF_HEADER);
        return headerEnd >= 0
                ? LineEndings.canonicalPrefix(message, 0, headerEnd + 4) == headerEnd + 4
                : LineEndings.isCanonical(message, 0, length);
    }

    private static byte[] canonicalCopy(byte[] message, int length) throws IOException {
        return new CanonicalLineInputStream(new ByteArrayInputStream(message, 0, length)).readAllBytes();
    }

    private DecryptionResult decrypt(MimeParts mime, MimeParts.Entity outer, Format format,
                                     Collection<? extends UnlockedKey> keys)
            throws IOException, DecryptionFailedException {
        SpillBuffer plaintext = SpillBuffer.withExpectedSize(limits.memoryBufferBytes(), mime.length());
        boolean success = false;
        try {
            Opened opened;
            try {
                opened = switch (format) {
                    case PGP_MIME -> PgpMimeReader.decrypt(mime, outer, keys, limits, plaintext);
                    case SMIME -> SmimeReader.decrypt(mime, outer, keys, limits, options, plaintext);
                };
            } catch (DecryptionFailedException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new DecryptionFailedException(e);
            }
            PlaintextMessage restored = restoreHeaders(outer.header(), plaintext);
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
        ContentType type = inner.contentType();
        if (type.isMultipart() || type.type().equals("message")) {
            byte[] memory = plaintext.memoryContent();
            if (memory != null) {
                new MimeParts(memory, (int) plaintext.size(), limits).checkStructure();
            } else {
                try (InputStream in = plaintext.openStream()) {
                    MimeStructureCheck.check(in, limits);
                }
            }
        }
        byte[] header = HeaderProtection.restore(outer, inner).toByteArray();
        return new PlaintextMessage(header, plaintext, bodyOffset);
    }
}
