package org.mailseal.crypto;

/** How the ciphertext that was opened protected its integrity. */
public enum Integrity {
    /** OpenPGP SEIPD v1: modification detection code (SHA-1 over the plaintext). */
    MDC,
    /** OpenPGP SEIPD v2, GnuPG's OCB packet, or CMS AuthEnvelopedData (AES-GCM). */
    AEAD,
    /** CMS EnvelopedData with a CBC cipher: no integrity protection. Only read when explicitly allowed. */
    NONE
}
