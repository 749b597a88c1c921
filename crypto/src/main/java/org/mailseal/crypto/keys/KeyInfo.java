package org.mailseal.crypto.keys;

import java.util.Date;
import java.util.List;
import org.mailseal.crypto.Format;

/**
 * What {@code keys list} shows about one key in the key home.
 *
 * @param status  {@code valid}, {@code expired}, {@code revoked}, {@code not-yet-valid} or {@code no-encryption-key}
 * @param expires null when the key does not expire
 */
public record KeyInfo(Format format, String fingerprint, List<String> addresses, String algorithm, Date created,
                      Date expires, String status, boolean hasSecret) {
    public KeyInfo {
        addresses = List.copyOf(addresses);
    }
}
