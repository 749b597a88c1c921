package org.mailseal.crypto.pgp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Map;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSessionKey;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.SessionKeyDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;
import org.bouncycastle.util.io.Streams;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.LimitExceededException;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.UnlockedKey;

/**
 * Opens a binary OpenPGP message: finds a session-key packet for one of our keys, decrypts the
 * integrity-protected data packet into a buffer, and only then checks the MDC. SED packets (no integrity) are
 * refused. The session key is recovered with Bouncy Castle's lightweight API (no JCA provider needed for X25519);
 * the bulk data is decrypted with the JDK's AES ({@link FastSessionKeyDecryptorFactory}) or Bouncy Castle's OCB
 * (SEIPD v2, GnuPG's OCB packet).
 */
public final class PgpDecryption {
    private PgpDecryption() {}

    /** A session key recovered from a PKESK, with the packet it belongs to and the key that opened it. */
    public record SessionKeyMatch(PGPPublicKeyEncryptedData packet, PGPSessionKey sessionKey, UnlockedKey.Pgp key) {}

    public static MessageDecryptor.Opened decrypt(InputStream binary, Collection<? extends UnlockedKey> keys,
                                                  CryptoLimits limits, SpillBuffer plaintext)
            throws IOException, DecryptionFailedException {
        try {
            PGPEncryptedDataList list = encryptedDataList(binary);
            SessionKeyMatch match = findSessionKey(list, keys);
            PGPPublicKeyEncryptedData packet = match.packet();
            if (!packet.isIntegrityProtected() && !packet.isAEAD()) {
                // SED: no MDC, never decrypted (RFC 9580 §5.7). Bouncy Castle counts only SEIPD as "integrity
                // protected"; GnuPG's OCB packet (tag 20) is protected by its AEAD tags.
                throw new DecryptionFailedException();
            }
            InputStream clear = packet.getDataStream(dataDecryptor(packet, match.sessionKey()));
            readLiteralData(clear, limits, plaintext, 0);
            Streams.drain(clear);
            clear.close();
            Integrity integrity = packet.isAEAD() ? Integrity.AEAD : Integrity.MDC;
            if (!packet.isAEAD() && !packet.verify()) {
                throw new DecryptionFailedException();
            }
            return new MessageDecryptor.Opened(match.key().fingerprint(), integrity);
        } catch (PGPException | RuntimeException e) {
            throw new DecryptionFailedException(e);
        }
    }

    /** Reads packets up to the encrypted data list, skipping marker packets. */
    public static PGPEncryptedDataList encryptedDataList(InputStream binary) throws IOException, DecryptionFailedException {
        BcPGPObjectFactory factory = new BcPGPObjectFactory(binary);
        Object object;
        while ((object = factory.nextObject()) instanceof PGPMarker) {
            // RFC 9580 §5.8: ignored
        }
        if (object instanceof PGPEncryptedDataList list) {
            return list;
        }
        throw new DecryptionFailedException();
    }

    /** Finds a session-key packet that one of the keys opens (by key ID, or trying every key for a wildcard). */
    public static SessionKeyMatch findSessionKey(PGPEncryptedDataList list, Collection<? extends UnlockedKey> keys)
            throws DecryptionFailedException {
        for (PGPEncryptedData data : list) {
            if (!(data instanceof PGPPublicKeyEncryptedData packet)) {
                continue;
            }
            KeyIdentifier recipient = packet.getKeyIdentifier();
            for (UnlockedKey unlocked : keys) {
                if (!(unlocked instanceof UnlockedKey.Pgp pgp)) {
                    continue;
                }
                for (Map.Entry<KeyIdentifier, PGPPrivateKey> entry : pgp.privateKeys().entrySet()) {
                    if (!recipient.isWildcard() && !recipient.matches(entry.getKey())) {
                        continue;
                    }
                    try {
                        PGPSessionKey sessionKey = packet.getSessionKey(new BcPublicKeyDataDecryptorFactory(entry.getValue()));
                        return new SessionKeyMatch(packet, sessionKey, pgp);
                    } catch (PGPException | RuntimeException e) {
                        // Not ours after all (wildcard), or a damaged packet: try the next one.
                    }
                }
            }
        }
        throw new DecryptionFailedException();
    }

    static SessionKeyDataDecryptorFactory dataDecryptor(PGPPublicKeyEncryptedData packet, PGPSessionKey sessionKey) {
        return new FastSessionKeyDecryptorFactory(sessionKey);
    }

    /**
     * Copies the one literal data packet into the buffer, through at most {@code maxCompressionNesting}
     * compressed packets and never more than {@code maxDecompressedBytes}.
     */
    private static void readLiteralData(InputStream in, CryptoLimits limits, SpillBuffer plaintext, int nesting)
            throws IOException, PGPException, DecryptionFailedException {
        BcPGPObjectFactory factory = new BcPGPObjectFactory(in);
        boolean literalSeen = false;
        Object object;
        while ((object = factory.nextObject()) != null) {
            if (object instanceof PGPCompressedData compressed) {
                if (nesting + 1 > limits.maxCompressionNesting() || literalSeen) {
                    throw new LimitExceededException("compressed packets nested deeper than " + limits.maxCompressionNesting());
                }
                readLiteralData(new BoundedInputStream(compressed.getDataStream(), limits.maxDecompressedBytes(),
                        "decompressed data"), limits, plaintext, nesting + 1);
                literalSeen = true;
            } else if (object instanceof PGPLiteralData literal) {
                if (literalSeen) {
                    throw new DecryptionFailedException(); // one message, one literal packet (RFC 9580 §10.3)
                }
                literalSeen = true;
                InputStream data = new BoundedInputStream(literal.getInputStream(), limits.maxDecompressedBytes(), "plaintext");
                new CanonicalLineInputStream(data).transferTo(plaintext);
            } else if (!(object instanceof PGPOnePassSignatureList || object instanceof PGPSignatureList
                    || object instanceof PGPMarker)) {
                throw new DecryptionFailedException();
            }
        }
        if (!literalSeen) {
            throw new DecryptionFailedException();
        }
    }
}
