package org.mailseal.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;
import java.io.ByteArrayInputStream;
import org.mailseal.crypto.io.LineEndings;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.MimeParts;
import org.mailseal.crypto.pgp.PgpRewrap;
import org.mailseal.crypto.smime.SmimeRewrap;

/**
 * Re-wraps the session key of a stored encrypted message for new keys, keeping the bulk ciphertext byte for byte:
 * the OpenPGP encrypted data packet, or the CMS encrypted content. Key rollover and replica sync build on this,
 * since it touches a few hundred bytes per message however large the message is. The result carries session-key
 * packets (RecipientInfos) for the new keys only; the old key no longer opens it.
 */
public final class SessionKeyRewrapper {
    private final CryptoLimits limits;

    public SessionKeyRewrapper(CryptoLimits limits) {
        this.limits = limits;
    }

    public SessionKeyRewrapper() {
        this(CryptoLimits.DEFAULTS);
    }

    /**
     * SHA-256 of the part re-wrapping keeps byte for byte (the OpenPGP encrypted data packet; the CMS encrypted
     * content): equal for a message and its re-wrapped copy, so it identifies the pair.
     */
    /** An encrypted message's MIME structure (on CRLF lines) and format. */
    private record Parsed(MimeParts mime, MimeParts.Entity outer, Format format) {}

    private Parsed parse(byte[] raw) throws IOException, NotEncryptedException {
        if (!LineEndings.isCanonical(raw, 0, raw.length)) {
            raw = new CanonicalLineInputStream(new ByteArrayInputStream(raw)).readAllBytes();
        }
        MimeParts mime = new MimeParts(raw, raw.length, limits);
        MimeParts.Entity outer = mime.message();
        Format format = MessageDecryptor.encryptedFormat(outer.header()).orElseThrow(
                () -> new NotEncryptedException("top-level type is " + outer.contentType().mimeType()));
        return new Parsed(mime, outer, format);
    }

    /** The splice of a PGP/MIME message with a canonical header, or null when it does not apply. */
    private PgpRewrap.Splice splice(byte[] message, int length, Collection<? extends UnlockedKey> oldKeys,
                                    List<? extends RecipientKey> newRecipients) throws RewrapException {
        int headerEnd = org.mailseal.crypto.io.Bytes.indexOf(message, 0, Math.min(length, limits.maxHeaderBytes() + 4),
                new byte[] {'\r', '\n', '\r', '\n'});
        if (headerEnd < 0 || LineEndings.canonicalPrefix(message, 0, headerEnd + 4) != headerEnd + 4
                || newRecipients.stream().anyMatch(r -> r.format() != Format.PGP_MIME)) {
            return null;
        }
        try {
            MimeParts mime = new MimeParts(message, length, limits);
            MimeParts.Entity outer = mime.message();
            if (MessageDecryptor.encryptedFormat(outer.header()).orElse(null) != Format.PGP_MIME) {
                return null;
            }
            return PgpRewrap.splice(mime, outer, oldKeys,
                    newRecipients.stream().map(RecipientKey.Pgp.class::cast).toList());
        } catch (IOException e) {
            return null; // the general way reads it, or says what is wrong with it
        }
    }

    public byte[] bulkDigest(byte[] message) throws IOException, NotEncryptedException, RewrapException {
        if (message.length > limits.maxMessageBytes()) {
            throw new LimitExceededException("message larger than " + limits.maxMessageBytes() + " bytes");
        }
        Parsed parsed = parse(message);
        byte[] bulk = parsed.format() == Format.PGP_MIME ? PgpRewrap.bulk(parsed.mime(), parsed.outer())
                : SmimeRewrap.bulk(parsed.mime(), parsed.outer());
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bulk);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether an encrypted message has a session-key packet (RecipientInfo) addressed to one of the keys: an OpenPGP
     * PKESK whose key ID is that of one of a certificate's encryption subkeys, or a CMS KeyTransRecipientInfo naming
     * a certificate. Nothing is decrypted, so no private key is needed. Keys of the other format never match.
     */
    public boolean isEncryptedTo(byte[] message, Collection<? extends RecipientKey> keys)
            throws IOException, NotEncryptedException, RewrapException {
        if (message.length > limits.maxMessageBytes()) {
            throw new LimitExceededException("message larger than " + limits.maxMessageBytes() + " bytes");
        }
        Parsed parsed = parse(message);
        return switch (parsed.format()) {
            case PGP_MIME -> {
                List<org.bouncycastle.bcpg.KeyIdentifier> named = PgpRewrap.recipientKeyIds(parsed.mime(), parsed.outer());
                yield keys.stream().filter(RecipientKey.Pgp.class::isInstance).map(RecipientKey.Pgp.class::cast)
                        .flatMap(k -> k.encryptionKeys().stream())
                        .anyMatch(subkey -> named.stream().anyMatch(id -> id.matches(subkey.getKeyIdentifier())));
            }
            case SMIME -> SmimeRewrap.isEncryptedTo(parsed.mime(), parsed.outer(),
                    keys.stream().filter(RecipientKey.Smime.class::isInstance).map(RecipientKey.Smime.class::cast).toList());
        };
    }

    public RewrapResult rewrap(InputStream message, Collection<? extends UnlockedKey> oldKeys,
                               List<? extends RecipientKey> newRecipients, OutputStream out)
            throws IOException, NotEncryptedException, RewrapException {
        byte[] raw = message.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxMessageBytes() + 1));
        return rewrap(raw, raw.length, oldKeys, newRecipients, out);
    }

    /**
     * Re-wraps the first {@code length} bytes of an array (not changed, not kept). A PGP/MIME message whose new
     * session-key packets are as long as the old ones is spliced: only its first armor lines and checksum are
     * written anew and the rest is copied, never decoded ({@link PgpRewrap#splice}).
     */
    public RewrapResult rewrap(byte[] message, int length, Collection<? extends UnlockedKey> oldKeys,
                               List<? extends RecipientKey> newRecipients, OutputStream out)
            throws IOException, NotEncryptedException, RewrapException {
        if (newRecipients.isEmpty()) {
            throw new IllegalArgumentException("no new recipients");
        }
        if (length > limits.maxMessageBytes()) {
            throw new LimitExceededException("message larger than " + limits.maxMessageBytes() + " bytes");
        }
        PgpRewrap.Splice splice = splice(message, length, oldKeys, newRecipients);
        if (splice != null) {
            splice.writeTo(out);
            return splice.result();
        }
        Parsed parsed = parse(length == message.length ? message : java.util.Arrays.copyOf(message, length));
        MimeParts mime = parsed.mime();
        MimeParts.Entity outer = parsed.outer();
        Format format = parsed.format();
        if (newRecipients.stream().anyMatch(r -> r.format() != format)) {
            throw new RewrapException("new keys must be of the message's format, " + format);
        }
        return switch (format) {
            case PGP_MIME -> PgpRewrap.rewrap(mime, outer, oldKeys,
                    newRecipients.stream().map(RecipientKey.Pgp.class::cast).toList(), out);
            case SMIME -> SmimeRewrap.rewrap(mime, outer, oldKeys,
                    newRecipients.stream().map(RecipientKey.Smime.class::cast).toList(), out);
        };
    }
}
