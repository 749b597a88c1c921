package org.mailseal.smtp;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which MAIL and RCPT parameters a session accepts (RFC 5321 §4.1.1.11: anything else is 555): its own SIZE
 * (RFC 1870) and BODY (RFC 6152), and SMTPUTF8 (RFC 6531) and DSN's (RFC 3461) only when the upstream has them,
 * since mailseal passes those on.
 */
final class EsmtpParameters {
    private EsmtpParameters() {}

    /** Null when the MAIL parameters are acceptable, else the reply that refuses them. */
    static SmtpReply checkMail(Map<String, String> parameters, long maxMessageBytes, boolean extended,
                               Set<String> upstream) {
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String keyword = parameter.getKey();
            switch (keyword) {
                case "SIZE" -> {
                    long size;
                    try {
                        size = Long.parseLong(parameter.getValue());
                    } catch (NumberFormatException e) {
                        return SmtpReply.of(501, "5.5.4", "Syntax error in SIZE parameter");
                    }
                    if (size > maxMessageBytes) {
                        return SmtpReply.of(552, "5.3.4", "Message size exceeds fixed limit");
                    }
                }
                case "BODY" -> {
                    String body = parameter.getValue().toUpperCase(Locale.ROOT);
                    if (!body.equals("7BIT") && !body.equals("8BITMIME")) {
                        return SmtpReply.of(501, "5.5.4", "Unsupported BODY type");
                    }
                }
                case "SMTPUTF8" -> {
                    if (!extended || !upstream.contains("SMTPUTF8")) {
                        return SmtpReply.of(555, "5.5.4", "SMTPUTF8 not supported");
                    }
                }
                case "RET", "ENVID" -> {
                    if (!upstream.contains("DSN")) {
                        return SmtpReply.of(555, "5.5.4", keyword + " parameter not supported");
                    }
                }
                case "AUTH" -> {
                    // RFC 4954 §5: the submitter's identity; passed on when the upstream has AUTH.
                }
                default -> {
                    return SmtpReply.of(555, "5.5.4", "Unsupported parameter " + keyword);
                }
            }
        }
        return null;
    }

    /** Null when the RCPT parameters are acceptable (NOTIFY and ORCPT with DSN), else the refusal. */
    static SmtpReply checkRcpt(Map<String, String> parameters, Set<String> upstream) {
        for (String keyword : parameters.keySet()) {
            if (!(keyword.equals("NOTIFY") || keyword.equals("ORCPT")) || !upstream.contains("DSN")) {
                return SmtpReply.of(555, "5.5.4", "Unsupported parameter " + keyword);
            }
        }
        return null;
    }
}
