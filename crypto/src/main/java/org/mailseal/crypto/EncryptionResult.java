package org.mailseal.crypto;

import java.util.List;

/**
 * What was written.
 *
 * @param recipientFingerprints the keys that each got a session-key packet or RecipientInfo
 * @param integrity             MDC (SEIPD v1) or AEAD (SEIPD v2, AuthEnvelopedData); NONE for CBC EnvelopedData
 */
public record EncryptionResult(Format format, List<String> recipientFingerprints, Integrity integrity) {
    public EncryptionResult {
        recipientFingerprints = List.copyOf(recipientFingerprints);
    }
}
