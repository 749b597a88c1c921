package org.mailseal.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One AUTH exchange (RFC 4954) with PLAIN (RFC 4616) or LOGIN: the only mechanisms that reveal the password,
 * which the upstream checks and, later, unlocks the user's key. The authorization identity must be empty or the
 * same as the authentication identity: mailseal acts for the user who logged in and nobody else.
 */
final class SaslExchange {
    /** What the session does next. */
    sealed interface Step {}

    /** Send this 334 challenge and pass the client's next line to {@link #respond(String)}. */
    record Challenge(SmtpReply reply) implements Step {}

    /** The exchange is over: relay these credentials to the upstream. */
    record Credentials(String user, String password) implements Step {}

    /** The exchange is over: send this refusal. */
    record Failure(SmtpReply reply) implements Step {}

    private static final Failure CANCELLED = new Failure(SmtpReply.of(501, "5.0.0", "Authentication cancelled"));
    private static final Failure MALFORMED = new Failure(SmtpReply.of(501, "5.5.2", "Malformed AUTH response"));

    private final boolean plain;
    private String loginUser;

    private SaslExchange(boolean plain) {
        this.plain = plain;
    }

    /** An exchange for the mechanism, or null when it is not one mailseal offers. */
    static SaslExchange forMechanism(String mechanism) {
        return switch (mechanism) {
            case "PLAIN" -> new SaslExchange(true);
            case "LOGIN" -> new SaslExchange(false);
            default -> null;
        };
    }

    /** The first step, with the initial response if the AUTH command carried one. */
    Step start(String initialResponse) {
        if (initialResponse != null) {
            return respond(initialResponse);
        }
        return new Challenge(SmtpReply.of(334, null, plain ? "" : "VXNlcm5hbWU6")); // "Username:"
    }

    Step respond(String line) {
        if (line.equals("*")) {
            return CANCELLED;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(line.trim());
        } catch (IllegalArgumentException e) {
            return MALFORMED;
        }
        String text = new String(decoded, StandardCharsets.UTF_8);
        if (!plain) {
            if (text.isEmpty()) {
                return MALFORMED;
            }
            if (loginUser == null) {
                loginUser = text;
                return new Challenge(SmtpReply.of(334, null, "UGFzc3dvcmQ6")); // "Password:"
            }
            return new Credentials(loginUser, text);
        }
        int first = text.indexOf('\0');
        int second = first < 0 ? -1 : text.indexOf('\0', first + 1);
        if (first < 0 || second < 0 || text.indexOf('\0', second + 1) >= 0) {
            return MALFORMED;
        }
        String authorization = text.substring(0, first);
        String user = text.substring(first + 1, second);
        String password = text.substring(second + 1);
        if (user.isEmpty() || password.isEmpty()) {
            return MALFORMED;
        }
        if (!authorization.isEmpty() && !authorization.equals(user)) {
            return new Failure(SmtpReply.of(535, "5.7.8", "Authorization identity must be the authentication identity"));
        }
        return new Credentials(user, password);
    }
}
