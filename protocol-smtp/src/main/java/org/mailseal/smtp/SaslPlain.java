package org.mailseal.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Decodes SASL PLAIN (RFC 4616) and LOGIN responses. The authorization identity must be empty or the same as the
 * authentication identity: mailseal acts for the user who logged in and nobody else.
 */
final class SaslPlain {
    /** Decoded credentials, or the reply that refuses them. */
    record Result(String user, String password, SmtpReply refusal) {}

    private SaslPlain() {}

    static Result plain(String base64) {
        byte[] decoded = decode(base64);
        if (decoded == null) {
            return refused(501, "5.5.2", "Malformed base64 in AUTH response");
        }
        String text = new String(decoded, StandardCharsets.UTF_8);
        int first = text.indexOf('\0');
        int second = first < 0 ? -1 : text.indexOf('\0', first + 1);
        if (first < 0 || second < 0 || text.indexOf('\0', second + 1) >= 0) {
            return refused(501, "5.5.2", "Malformed SASL PLAIN response");
        }
        String authorization = text.substring(0, first);
        String user = text.substring(first + 1, second);
        String password = text.substring(second + 1);
        if (user.isEmpty() || password.isEmpty()) {
            return refused(501, "5.5.2", "Malformed SASL PLAIN response");
        }
        if (!authorization.isEmpty() && !authorization.equals(user)) {
            return refused(535, "5.7.8", "Authorization identity must be the authentication identity");
        }
        return new Result(user, password, null);
    }

    /** One base64 line of an AUTH LOGIN exchange; null when malformed. */
    static String loginField(String base64) {
        byte[] decoded = decode(base64);
        return decoded == null ? null : new String(decoded, StandardCharsets.UTF_8);
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Result refused(int code, String enhanced, String text) {
        return new Result(null, null, SmtpReply.of(code, enhanced, text));
    }
}
