package org.mailseal.server.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.RewrapException;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.imap.rekey.Rewrapper;

/**
 * The rekey engine's {@link Rewrapper} with real keys: old keys are the user's unlocked keys whose fingerprints the
 * key home marks retired; new recipients are the user's current encryption keys of the message's format. A message
 * that no retired key opens (encrypted to a current key, or to someone else) is left alone.
 */
public final class RetiredKeyRewrapper implements Rewrapper {
    private final SessionKeyRewrapper rewrapper;
    private final List<UnlockedKey> retired;
    private final List<RecipientKey> current;

    public RetiredKeyRewrapper(SessionKeyRewrapper rewrapper, List<UnlockedKey> unlocked, Set<String> retiredFingerprints,
                               List<RecipientKey> current) {
        this.rewrapper = rewrapper;
        this.retired = unlocked.stream().filter(k -> retiredFingerprints.contains(k.fingerprint())).toList();
        this.current = List.copyOf(current);
    }

    /** Whether any retired key was unlocked: without one there is nothing to rekey. */
    public boolean hasRetiredKeys() {
        return !retired.isEmpty();
    }

    @Override
    public Optional<byte[]> rewrap(byte[] stored) throws RewrapFailedException {
        if (retired.isEmpty()) {
            return Optional.empty();
        }
        Format format;
        try {
            format = MessageDecryptor.encryptedFormat(HeaderSection.read(new java.io.ByteArrayInputStream(stored),
                    CryptoLimits.DEFAULTS.maxHeaderBytes())).orElse(null);
        } catch (IOException e) {
            throw new RewrapFailedException("unreadable message header", e);
        }
        if (format == null) {
            return Optional.empty(); // not encrypted: nothing to re-wrap
        }
        List<RecipientKey> recipients = current.stream().filter(k -> k.format() == format).toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream(stored.length + 2048);
        try {
            rewrapper.rewrap(stored, stored.length, retired, recipients, out);
            return Optional.of(out.toByteArray());
        } catch (RewrapException e) {
            // The message is encrypted, but to keys that are not retired: nothing to do.
            if (e.noKeyOpens()) {
                return Optional.empty();
            }
            throw new RewrapFailedException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new RewrapFailedException("no current " + format + " key to re-wrap to", e);
        } catch (NotEncryptedException | IOException e) {
            throw new RewrapFailedException("unreadable encrypted message", e);
        }
    }

    @Override
    public Optional<byte[]> bulkDigest(byte[] stored) {
        try {
            return Optional.of(rewrapper.bulkDigest(stored));
        } catch (NotEncryptedException | IOException | RewrapException e) {
            return Optional.empty();
        }
    }
}
