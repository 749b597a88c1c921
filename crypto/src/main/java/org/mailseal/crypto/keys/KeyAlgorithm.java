package org.mailseal.crypto.keys;

import java.util.Locale;

/** Key types that {@code mailseal keys generate} creates. */
public enum KeyAlgorithm {
    /** OpenPGP v4: Ed25519 (legacy EdDSA) primary key, Curve25519 ECDH encryption subkey; what GnuPG 2.2 reads. */
    CV25519,
    /** RSA 3072 bits (OpenPGP: primary and encryption subkey; S/MIME: the certificate key). */
    RSA3072;

    public static KeyAlgorithm parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown key algorithm '" + text + "' (expected cv25519 or rsa3072)");
        }
    }
}
