package org.mailseal.crypto;

import java.util.List;

/**
 * A re-wrapped message.
 *
 * @param oldKeyFingerprint     the key whose session-key packet was opened
 * @param recipientFingerprints the keys that got new session-key packets (the only ones the message now has)
 */
public record RewrapResult(Format format, String oldKeyFingerprint, List<String> recipientFingerprints) {
    public RewrapResult {
        recipientFingerprints = List.copyOf(recipientFingerprints);
    }
}
