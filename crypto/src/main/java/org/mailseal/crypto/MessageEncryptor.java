package org.mailseal.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.mime.HeaderField;
import org.mailseal.crypto.mime.HeaderProtection;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.crypto.pgp.PgpMimeWriter;
import org.mailseal.crypto.smime.SmimeWriter;

/**
 * Encrypts a MIME message, stream in and stream out, to a set of recipients that share one ciphertext (one
 * session-key packet or RecipientInfo each). All recipients must use the same format; a caller with mixed
 * recipients makes one message per format. Thread-safe.
 */
public final class MessageEncryptor {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CryptoLimits limits;
    private final EncryptionOptions options;

    public MessageEncryptor(CryptoLimits limits, EncryptionOptions options) {
        this.limits = limits;
        this.options = options;
    }

    public MessageEncryptor() {
        this(CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS);
    }

    /**
     * Reads a message (any line ending; it is made canonical CRLF) and writes it encrypted.
     *
     * @throws LimitExceededException when the message or its header is larger than the limits allow
     */
    public EncryptionResult encrypt(InputStream message, OutputStream out, List<? extends RecipientKey> recipients)
            throws IOException {
        return encrypt(message, -1, out, recipients);
    }

    /**
     * As above, with the message's size when it is known, so that a small message gets small stream buffers.
     *
     * @param sizeHint the size in bytes, or -1 when unknown
     */
    public EncryptionResult encrypt(InputStream message, long sizeHint, OutputStream out,
                                    List<? extends RecipientKey> recipients) throws IOException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
        Set<Format> formats = recipients.stream().map(RecipientKey::format).collect(Collectors.toSet());
        if (formats.size() != 1) {
            throw new IllegalArgumentException("recipients of one ciphertext must share a format, got " + formats);
        }
        InputStream canonical = new CanonicalLineInputStream(
                new BoundedInputStream(message, limits.maxMessageBytes(), "message"));
        HeaderSection original = HeaderSection.read(canonical, limits.maxHeaderBytes());
        HeaderProtection.Split split = HeaderProtection.split(original, options.placeholderSubject());
        InputStream inner = new SequenceInputStream(Collections.enumeration(List.of(
                new ByteArrayInputStream(split.inner().toByteArray()),
                new ByteArrayInputStream(original.bodyPrefix()),
                canonical)));
        List<HeaderField> outer = split.outer();
        return switch (formats.iterator().next()) {
            case PGP_MIME -> PgpMimeWriter.write(outer, inner, out, castAll(recipients, RecipientKey.Pgp.class), newBoundary(),
                    sizeHint);
            case SMIME -> SmimeWriter.write(outer, inner, out, castAll(recipients, RecipientKey.Smime.class));
        };
    }

    private static <T extends RecipientKey> List<T> castAll(List<? extends RecipientKey> keys, Class<T> type) {
        return keys.stream().map(type::cast).toList();
    }

    private static String newBoundary() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        return "=-mailseal-" + HexFormat.of().formatHex(random);
    }

    /** Writes header fields, adding MIME-Version, then the given content header lines and the empty line. */
    public static void writeOuterHeader(OutputStream out, List<HeaderField> outer, String... contentLines)
            throws IOException {
        for (HeaderField field : outer) {
            out.write(field.raw());
        }
        out.write("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        for (String line : contentLines) {
            out.write(line.getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
        }
        out.write('\r');
        out.write('\n');
    }
}
