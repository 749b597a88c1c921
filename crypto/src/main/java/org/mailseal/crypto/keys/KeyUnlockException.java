package org.mailseal.crypto.keys;

/** A private key could not be unlocked: wrong passphrase, or no private key for the address. */
public final class KeyUnlockException extends Exception {
    private static final long serialVersionUID = 1L;

    public KeyUnlockException(String message) {
        super(message);
    }

    public KeyUnlockException(String message, Throwable cause) {
        super(message, cause);
    }
}
