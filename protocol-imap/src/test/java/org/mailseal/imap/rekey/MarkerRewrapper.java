package org.mailseal.imap.rekey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;

/**
 * A fake {@link Rewrapper} on real bytes: a "header" line {@code X-Fake-Key: K1} stands for session-key packets
 * to the retired key, {@code X-Fake-Key: K2-rewrapped} for the current one, and the body stands for the bulk
 * ciphertext, which re-wrapping keeps byte for byte. A message without the line is "not encrypted".
 */
final class MarkerRewrapper implements Rewrapper {
    static final String RETIRED = "X-Fake-Key: K1\r\n";
    static final String CURRENT = "X-Fake-Key: K2-rewrapped\r\n";
    static final String UNREWRAPPABLE = "X-Fake-Key: K1-broken\r\n";

    static byte[] message(int n, String keyLine, String body) {
        return ("Subject: message " + n + "\r\n" + keyLine + "\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Optional<byte[]> rewrap(byte[] stored) throws RewrapFailedException {
        String text = new String(stored, StandardCharsets.ISO_8859_1);
        if (text.contains(UNREWRAPPABLE)) {
            throw new RewrapFailedException("no retired key opens it", null);
        }
        int at = text.indexOf(RETIRED);
        if (at < 0 || at > bodyStart(text)) {
            return Optional.empty();
        }
        return Optional.of((text.substring(0, at) + CURRENT + text.substring(at + RETIRED.length()))
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public Optional<byte[]> bulkDigest(byte[] stored) {
        String text = new String(stored, StandardCharsets.ISO_8859_1);
        if (!text.contains("X-Fake-Key: ")) {
            return Optional.empty();
        }
        return Optional.of(sha256(Arrays.copyOfRange(stored, bodyStart(text), stored.length)));
    }

    static boolean isCurrent(byte[] stored) {
        return new String(stored, StandardCharsets.ISO_8859_1).contains(CURRENT);
    }

    static int bodyStart(String text) {
        return text.indexOf("\r\n\r\n") + 4;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
