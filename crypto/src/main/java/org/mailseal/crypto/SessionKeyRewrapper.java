package org.mailseal.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.HeaderSection;
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

    public RewrapResult rewrap(InputStream message, Collection<? extends UnlockedKey> oldKeys,
                               List<? extends RecipientKey> newRecipients, OutputStream out)
            throws IOException, NotEncryptedException, RewrapException {
        if (newRecipients.isEmpty()) {
            throw new IllegalArgumentException("no new recipients");
        }
        InputStream canonical = new CanonicalLineInputStream(
                new BoundedInputStream(message, limits.maxMessageBytes(), "message"));
        HeaderSection header = HeaderSection.read(canonical, limits.maxHeaderBytes());
        Format format = MessageDecryptor.encryptedFormat(header).orElseThrow(
                () -> new NotEncryptedException("top-level type is " + header.contentType().mimeType()));
        if (newRecipients.stream().anyMatch(r -> r.format() != format)) {
            throw new RewrapException("new keys must be of the message's format, " + format);
        }
        byte[] prefix = header.bodyPrefix();
        byte[] rest = canonical.readAllBytes();
        byte[] body = new byte[prefix.length + rest.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        System.arraycopy(rest, 0, body, prefix.length, rest.length);
        return switch (format) {
            case PGP_MIME -> PgpRewrap.rewrap(header, body, oldKeys,
                    newRecipients.stream().map(RecipientKey.Pgp.class::cast).toList(), limits, out);
            case SMIME -> SmimeRewrap.rewrap(header, body, oldKeys,
                    newRecipients.stream().map(RecipientKey.Smime.class::cast).toList(), out);
        };
    }
}
