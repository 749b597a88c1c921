package org.mailseal.imap.rekey;

import java.util.Optional;

/**
 * What the rekey engine needs from cryptography, implemented outside this module (proxy-server, with crypto).
 * Both methods see a stored message exactly as the server returned it.
 */
public interface Rewrapper {
    /**
     * The message with its session key re-wrapped for the current keys, or empty when it needs nothing (not
     * encrypted, or not encrypted to a retired key).
     *
     * @throws RewrapFailedException when the message is encrypted to a retired key but cannot be re-wrapped
     */
    Optional<byte[]> rewrap(byte[] stored) throws RewrapFailedException;

    /**
     * A digest that identifies the message's bulk ciphertext (the OpenPGP encrypted data packet, the CMS encrypted
     * content), empty when the message is not encrypted. Re-wrapping keeps the bulk byte for byte, so an original
     * and its re-wrapped copy have the same digest: this is how a rerun recognises a copy an interrupted run appended.
     */
    Optional<byte[]> bulkDigest(byte[] stored);

    /** A message encrypted to a retired key that cannot be re-wrapped; the message is left as it is. */
    final class RewrapFailedException extends Exception {
        public RewrapFailedException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }
}
