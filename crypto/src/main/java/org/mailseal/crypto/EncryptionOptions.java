package org.mailseal.crypto;

/**
 * How messages are encrypted.
 *
 * @param placeholderSubject the Subject shown outside the ciphertext (RFC 9788 header protection), or null to
 *                           switch header protection off
 */
public record EncryptionOptions(String placeholderSubject) {
    /** Header protection on, with the placeholder {@code ...}. */
    public static final EncryptionOptions DEFAULTS = new EncryptionOptions("...");

    public EncryptionOptions {
        if (placeholderSubject != null
                && (placeholderSubject.indexOf('\r') >= 0 || placeholderSubject.indexOf('\n') >= 0
                || placeholderSubject.indexOf('\0') >= 0)) {
            throw new IllegalArgumentException("placeholder Subject must not contain CR, LF or NUL");
        }
    }

    public boolean headerProtection() {
        return placeholderSubject != null;
    }
}
