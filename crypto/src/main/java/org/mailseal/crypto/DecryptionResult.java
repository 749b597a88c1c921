package org.mailseal.crypto;

/**
 * A decrypted, integrity-checked message.
 *
 * @param format         the format it was in
 * @param keyFingerprint the key that opened it (OpenPGP fingerprint or certificate SHA-256)
 * @param integrity      how its integrity was protected
 * @param message        the plaintext, headers restored; close this result to drop it
 */
public record DecryptionResult(Format format, String keyFingerprint, Integrity integrity, PlaintextMessage message)
        implements AutoCloseable {
    @Override
    public void close() throws java.io.IOException {
        message.close();
    }
}
