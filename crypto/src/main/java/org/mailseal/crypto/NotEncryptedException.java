package org.mailseal.crypto;

/**
 * The message is not a top-level encrypted message (PGP/MIME {@code multipart/encrypted} or S/MIME
 * {@code application/pkcs7-mime} enveloped data). Encrypted parts nested inside other MIME structures are never
 * decrypted (EFAIL direct exfiltration), so they land here too.
 */
public final class NotEncryptedException extends Exception {
    private static final long serialVersionUID = 1L;

    public NotEncryptedException(String reason) {
        super("not an encrypted message: " + reason);
    }
}
