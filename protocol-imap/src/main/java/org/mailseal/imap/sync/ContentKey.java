package org.mailseal.imap.sync;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What identifies a message independently of its UIDs, to re-match messages after a UIDVALIDITY change.
 *
 * @param messageId the Message-ID header as stored, or {@code null} when the message has none
 * @param sha256    SHA-256 of the whole message as stored on side A, 64 lowercase hex digits
 */
public record ContentKey(String messageId, String sha256) {
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

    public ContentKey {
        if (messageId != null && (messageId.isEmpty() || messageId.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw new IllegalArgumentException("Message-ID must be null or non-empty without control characters");
        }
        if (sha256 == null || !HEX_SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
        }
    }

    /** From a raw 32-byte digest. */
    public static ContentKey of(String messageId, byte[] sha256) {
        if (sha256 == null || sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest is 32 bytes");
        }
        return new ContentKey(messageId, HexFormat.of().formatHex(sha256));
    }

    byte[] digest() {
        return HexFormat.of().parseHex(sha256);
    }
}
