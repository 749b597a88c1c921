package org.mailseal.crypto;

/** The two encrypted message formats mailseal reads and writes. */
public enum Format {
    /** OpenPGP, as PGP/MIME (RFC 3156). */
    PGP_MIME,
    /** S/MIME enveloped or auth-enveloped data (RFC 8551). */
    SMIME
}
