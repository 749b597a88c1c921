package org.mailseal.crypto;

/**
 * @param allowUnauthenticated also decrypt CMS EnvelopedData with a CBC cipher, which has no integrity protection
 *                             (EFAIL's CBC gadgets). Off by default: DESIGN.md invariant 2 asks for integrity.
 */
public record DecryptionOptions(boolean allowUnauthenticated) {
    public static final DecryptionOptions DEFAULTS = new DecryptionOptions(false);
}
