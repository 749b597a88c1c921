package org.mailseal.server.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.LimitExceededException;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.RewrapException;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.keys.Addresses;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyUnlockException;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.imap.sync.MessageTranslator;

/**
 * Key translation for the mailbox sync (issue 7), with the keys of a key home: a copy stored where copies must be
 * encrypted to an address's key is made readable with that key. What happens to a message, by its top-level type
 * ({@code multipart/encrypted} PGP/MIME or {@code application/pkcs7-mime} S/MIME enveloped data count as encrypted,
 * as on the SMTP side):
 *
 * <ul>
 *   <li>The store names no key: the message as it is ({@link Outcome#NO_KEY_REQUIRED}).</li>
 *   <li>The store names an address without a current encryption key: {@link NoDestinationKeyException}, for every
 *       message, nothing stored. Such a store is misconfigured, and a plaintext copy must not land there.</li>
 *   <li>Encrypted, and a session-key packet (OpenPGP PKESK key ID, CMS RecipientInfo) already names a current key of
 *       the address: as it is ({@link Outcome#ALREADY_FOR_STORE}), other recipients' packets included.</li>
 *   <li>Encrypted to other keys, one of which this translator holds unlocked: re-wrapped by
 *       {@link SessionKeyRewrapper} for every current key of the address in the message's format
 *       ({@link Outcome#REWRAPPED}). The encrypted data packet (CMS encrypted content) is kept byte for byte, and
 *       all old session-key packets are replaced: the copy opens with the store's key and no longer with the source's
 *       (nor with any other recipient's). S/MIME is re-wrapped the same way.</li>
 *   <li>Encrypted, and none of the unlocked keys opens it (mail sent to someone else, a key not unlocked here):
 *       as it is ({@link Outcome#NOT_OPENED}). Never lost, never decrypted; counted so the caller can say so.</li>
 *   <li>Encrypted, but the address has no key of the message's format (an S/MIME message for an OpenPGP-only
 *       address, say): as it is ({@link Outcome#OTHER_FORMAT}); changing format would mean re-encrypting the data.</li>
 *   <li>Encrypted and opened, but not re-wrappable (SEIPD v2 / OCB data, which {@link SessionKeyRewrapper} does not
 *       re-wrap): as it is ({@link Outcome#NOT_REWRAPPABLE}); it then still opens with the source's key only.</li>
 *   <li>Labelled encrypted but unreadable to the re-wrapper (truncated or damaged armor or CMS, an armored part in
 *       base64 transfer encoding): as it is ({@link Outcome#UNREADABLE}). The source store holds the same bytes and
 *       the SMTP side passes such a label through too, so storing them exposes nothing new; refusing would only make
 *       every run fail on it again.</li>
 *   <li>Not encrypted: encrypted to every current key of the address in one format, OpenPGP when it has one, else
 *       S/MIME, as the SMTP side prefers ({@link Outcome#ENCRYPTED}), with header protection per the options.</li>
 * </ul>
 *
 * {@link #contentDigest} is the rekey's digest ({@link SessionKeyRewrapper#bulkDigest}: SHA-256 of the encrypted
 * data packet, or of the CMS encrypted content) for an encrypted message, so an original and its re-wrapped copy
 * digest alike; SHA-256 of the whole message otherwise. A plaintext message and the copy encrypted from it therefore
 * digest differently: the sync must record the digest of what it stored.
 *
 * <p>Nothing here logs; plaintext, keys and passphrases appear in no exception message. Thread-safe. Close it to
 * drop the unlocked private keys (DESIGN.md, invariant 8).
 */
public final class KeyTranslator implements MessageTranslator, AutoCloseable {

    /** What {@link #translate} did with a message. */
    public enum Outcome {
        NO_KEY_REQUIRED, ALREADY_FOR_STORE, REWRAPPED, ENCRYPTED, NOT_OPENED, OTHER_FORMAT, NOT_REWRAPPABLE, UNREADABLE;

        /** Whether the bytes to store are the message's own. */
        public boolean unchanged() {
            return this != REWRAPPED && this != ENCRYPTED;
        }
    }

    /** The bytes to store and how they came about. */
    public record Translation(Outcome outcome, byte[] message) {}

    /** The store's address has no current encryption key, so nothing may be stored there. */
    public static final class NoDestinationKeyException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String address;

        public NoDestinationKeyException(String address) {
            super("no current encryption key for " + address + ", whose key the store's copies must be encrypted to");
            this.address = address;
        }

        public String address() {
            return address;
        }
    }

    private final FileKeyHome home;
    private final List<UnlockedKey> unlocked;
    private final CryptoLimits limits;
    private final SessionKeyRewrapper rewrapper;
    private final MessageEncryptor encryptor;
    private final AtomicLongArray counts = new AtomicLongArray(Outcome.values().length);
    private volatile boolean closed;

    /**
     * @param home     where the stores' addresses' current public keys are looked up (at each message, so a rotation
     *                 is seen)
     * @param unlocked the private keys that may open messages to re-wrap them; owned by the translator from now on
     */
    public KeyTranslator(FileKeyHome home, List<UnlockedKey> unlocked, CryptoLimits limits, EncryptionOptions options) {
        this.home = home;
        this.unlocked = List.copyOf(unlocked);
        this.limits = limits;
        this.rewrapper = new SessionKeyRewrapper(limits);
        this.encryptor = new MessageEncryptor(limits, options);
    }

    /**
     * A translator holding the private keys of each address that opens with its passphrase (for a store, its mail
     * password, as at login). An address with no private key in this home is skipped: a replica often lacks the
     * other host's key, and its messages then stay as they are ({@link Outcome#NOT_OPENED}). The passphrases are not
     * kept; the caller clears them.
     *
     * @throws KeyUnlockException an address has a private key here that its passphrase does not open
     */
    public static KeyTranslator open(FileKeyHome home, Map<String, char[]> passphrases)
            throws KeyUnlockException, IOException {
        List<UnlockedKey> keys = new ArrayList<>();
        try {
            for (Map.Entry<String, char[]> entry : passphrases.entrySet()) {
                String address = Addresses.normalize(entry.getKey());
                boolean hasPrivateKey = home.list().stream()
                        .anyMatch(k -> k.hasSecret() && k.addresses().contains(address));
                if (hasPrivateKey) {
                    keys.addAll(home.unlock(address, entry.getValue()));
                }
            }
        } catch (KeyUnlockException | IOException | RuntimeException e) {
            keys.forEach(UnlockedKey::close);
            throw e;
        }
        return new KeyTranslator(home, keys, CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS);
    }

    /** Fingerprints of the private keys held, for a report. */
    public List<String> unlockedFingerprints() {
        return unlocked.stream().map(UnlockedKey::fingerprint).toList();
    }

    @Override
    public byte[] forStore(byte[] message, Optional<String> encryptTo) throws IOException {
        return translate(message, encryptTo).message();
    }

    /**
     * The bytes to store where copies are encrypted to {@code encryptTo}, and what was done (see the class comment).
     *
     * @throws NoDestinationKeyException the address has no current encryption key
     * @throws IOException               the message's header cannot be read (or it is larger than the limits), or a
     *                                   re-wrapped copy failed its own check: nothing is to be stored
     */
    public Translation translate(byte[] message, Optional<String> encryptTo) throws IOException {
        if (closed) {
            throw new IllegalStateException("key translator was closed");
        }
        Translation translation = encryptTo.isEmpty() ? new Translation(Outcome.NO_KEY_REQUIRED, message)
                : translate(message, encryptTo.get());
        counts.incrementAndGet(translation.outcome().ordinal());
        return translation;
    }

    private Translation translate(byte[] message, String address) throws IOException {
        List<RecipientKey> keys = home.encryptionKeys(address);
        if (keys.isEmpty()) {
            throw new NoDestinationKeyException(address);
        }
        if (message.length > limits.maxMessageBytes()) {
            throw new LimitExceededException("message larger than " + limits.maxMessageBytes()
                    + " bytes");
        }
        Optional<Format> format = MessageDecryptor.encryptedFormat(HeaderSection.read(
                new CanonicalLineInputStream(new ByteArrayInputStream(message)), limits.maxHeaderBytes()));
        if (format.isEmpty()) {
            return new Translation(Outcome.ENCRYPTED, encrypt(message, keys));
        }
        List<RecipientKey> targets = keys.stream().filter(k -> k.format() == format.get()).toList();
        if (targets.isEmpty()) {
            return new Translation(Outcome.OTHER_FORMAT, message);
        }
        byte[] rewrapped;
        try {
            if (rewrapper.isEncryptedTo(message, targets)) {
                return new Translation(Outcome.ALREADY_FOR_STORE, message);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 2048);
            rewrapper.rewrap(message, message.length, unlocked, targets, out);
            rewrapped = out.toByteArray();
        } catch (RewrapException e) {
            return new Translation(e.noKeyOpens() ? Outcome.NOT_OPENED : readable(message), message);
        } catch (IOException | NotEncryptedException | RuntimeException e) {
            // Damaged armor or CMS (Bouncy Castle's parsers throw unchecked exceptions on some of it, too).
            return new Translation(Outcome.UNREADABLE, message);
        }
        requireSameBulk(message, rewrapped);
        return new Translation(Outcome.REWRAPPED, rewrapped);
    }

    /** Re-wrapping must keep the encrypted data byte for byte: a copy that does not is never stored. */
    private void requireSameBulk(byte[] message, byte[] rewrapped) throws IOException {
        boolean same;
        try {
            same = Arrays.equals(rewrapper.bulkDigest(rewrapped), rewrapper.bulkDigest(message));
        } catch (IOException | NotEncryptedException | RewrapException | RuntimeException e) {
            same = false;
        }
        if (!same) {
            throw new IOException("the re-wrapped copy does not keep the encrypted data; nothing stored");
        }
    }

    /** After a re-wrap that was refused for another reason than the keys: was the message readable at all? */
    private Outcome readable(byte[] message) {
        try {
            rewrapper.bulkDigest(message);
            return Outcome.NOT_REWRAPPABLE;
        } catch (IOException | NotEncryptedException | RewrapException | RuntimeException e) {
            return Outcome.UNREADABLE;
        }
    }

    /** Plaintext: to the address's keys of one format, OpenPGP first (as the SMTP side chooses). */
    private byte[] encrypt(byte[] message, List<RecipientKey> keys) throws IOException {
        Format format = keys.stream().anyMatch(k -> k.format() == Format.PGP_MIME) ? Format.PGP_MIME : Format.SMIME;
        List<RecipientKey> recipients = keys.stream().filter(k -> k.format() == format).toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length * 4 / 3 + 2048);
        encryptor.encrypt(new ByteArrayInputStream(message), message.length, out, recipients);
        return out.toByteArray();
    }

    @Override
    public byte[] contentDigest(byte[] message) {
        try {
            return rewrapper.bulkDigest(message);
        } catch (IOException | NotEncryptedException | RewrapException | RuntimeException e) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(message);
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** How many messages each outcome had since this translator was made. */
    public Map<Outcome, Long> counts() {
        Map<Outcome, Long> result = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            result.put(outcome, counts.get(outcome.ordinal()));
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        unlocked.forEach(UnlockedKey::close);
    }
}
