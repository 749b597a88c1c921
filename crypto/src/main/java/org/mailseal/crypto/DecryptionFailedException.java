package org.mailseal.crypto;

/**
 * Decryption did not produce an integrity-checked plaintext. The message is deliberately the same whatever the
 * cause (wrong key, tampered ciphertext, missing integrity protection, truncation, limits inside the ciphertext),
 * so that the failure tells an attacker nothing; the cause is kept for local debugging only. The one exception is
 * a refusal by policy that depends only on public facts (an unauthenticated cipher named in the clear).
 */
public final class DecryptionFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    public DecryptionFailedException(Throwable cause) {
        super("decryption failed", cause);
    }

    public DecryptionFailedException() {
        super("decryption failed");
    }

    private DecryptionFailedException(String message) {
        super(message);
    }

    /** A refusal by policy, decided from the algorithm identifiers alone. */
    public static DecryptionFailedException refused(String publicReason) {
        return new DecryptionFailedException("decryption failed: " + publicReason);
    }
}
