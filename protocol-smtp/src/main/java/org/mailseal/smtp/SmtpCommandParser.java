package org.mailseal.smtp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses command lines (RFC 5321 §4.1.1, §4.1.2). Strict where it matters for safety (no control characters,
 * bounded paths, well-formed ESMTP parameters), lenient where real clients differ harmlessly (case, a space after
 * {@code FROM:}). Never throws: a bad line becomes {@link SmtpCommand.Invalid} with the reply to send.
 */
public final class SmtpCommandParser {
    /** RFC 5321 §4.5.3.1.3. */
    static final int MAX_PATH = 256;

    private SmtpCommandParser() {}

    public static SmtpCommand parse(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                return invalid(501, "5.5.2", "Syntax error: control characters in command");
            }
        }
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String argument = space < 0 ? "" : line.substring(space + 1);
        return switch (verb) {
            case "EHLO" -> hello(SmtpCommand.Hello.Kind.EHLO, argument);
            case "HELO" -> hello(SmtpCommand.Hello.Kind.HELO, argument);
            case "LHLO" -> hello(SmtpCommand.Hello.Kind.LHLO, argument);
            case "MAIL" -> mail(argument);
            case "RCPT" -> rcpt(argument);
            case "DATA" -> noArgument(argument, new SmtpCommand.Data());
            case "RSET" -> noArgument(argument, new SmtpCommand.Rset());
            case "QUIT" -> noArgument(argument, new SmtpCommand.Quit());
            case "STARTTLS" -> noArgument(argument, new SmtpCommand.StartTls());
            case "NOOP" -> new SmtpCommand.Noop();
            case "HELP" -> new SmtpCommand.Help();
            case "VRFY" -> argument.isBlank() ? invalid(501, "5.5.4", "Syntax: VRFY <address>") : new SmtpCommand.Vrfy();
            case "AUTH" -> auth(argument);
            case "EXPN", "TURN", "ETRN", "BDAT", "SEND", "SOML", "SAML" -> invalid(502, "5.5.1", "Command not implemented");
            default -> invalid(500, "5.5.2", "Command unrecognized");
        };
    }

    private static SmtpCommand hello(SmtpCommand.Hello.Kind kind, String argument) {
        String domain = argument.trim();
        if (domain.isEmpty() || domain.contains(" ") || domain.length() > 255) {
            return invalid(501, "5.5.4", "Syntax: " + kind + " <domain>");
        }
        return new SmtpCommand.Hello(kind, domain);
    }

    private static SmtpCommand noArgument(String argument, SmtpCommand command) {
        return argument.isBlank() ? command : invalid(501, "5.5.4", "Syntax error: no parameters allowed");
    }

    private static SmtpCommand mail(String argument) {
        Path path = path(argument, "FROM:");
        if (path.error() != null) {
            return path.error();
        }
        return new SmtpCommand.Mail(path.address(), path.parameters());
    }

    private static SmtpCommand rcpt(String argument) {
        Path path = path(argument, "TO:");
        if (path.error() != null) {
            return path.error();
        }
        if (path.address().isEmpty()) {
            return invalid(501, "5.1.3", "Syntax: RCPT TO:<address>");
        }
        return new SmtpCommand.Rcpt(path.address(), path.parameters());
    }

    private record Path(String address, Map<String, String> parameters, SmtpCommand.Invalid error) {}

    /** {@code FROM:<path> [SP param]...} or {@code TO:<path> [SP param]...}. */
    private static Path path(String argument, String prefix) {
        if (!argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return new Path(null, null, invalid(501, "5.5.4", "Syntax: " + (prefix.equals("TO:") ? "RCPT TO:<address>" : "MAIL FROM:<address>")));
        }
        String rest = argument.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) {
            return new Path(null, null, invalid(501, "5.5.4", "Syntax error: the address must be in angle brackets"));
        }
        int close = rest.indexOf('>');
        if (close < 0) {
            return new Path(null, null, invalid(501, "5.5.4", "Syntax error: missing '>'"));
        }
        String address = rest.substring(1, close);
        if (address.length() > MAX_PATH) {
            return new Path(null, null, invalid(501, "5.1.3", "Path too long"));
        }
        // A source route (RFC 5321 §4.1.2, obsolete) is accepted and ignored.
        if (address.startsWith("@")) {
            int colon = address.indexOf(':');
            address = colon < 0 ? address : address.substring(colon + 1);
        }
        if (!address.isEmpty() && !isMailbox(address)) {
            return new Path(null, null, invalid(501, "5.1.3", "Bad address syntax"));
        }
        String parameters = rest.substring(close + 1);
        if (!parameters.isEmpty() && !parameters.startsWith(" ")) {
            return new Path(null, null, invalid(501, "5.5.4", "Syntax error after the address"));
        }
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String parameter : parameters.trim().split(" +")) {
            if (parameter.isEmpty()) {
                continue;
            }
            int equals = parameter.indexOf('=');
            String keyword = (equals < 0 ? parameter : parameter.substring(0, equals)).toUpperCase(Locale.ROOT);
            String value = equals < 0 ? "" : parameter.substring(equals + 1);
            if (!keyword.matches("[A-Z0-9][A-Z0-9-]*") || (equals >= 0 && (value.isEmpty() || !isParameterValue(value)))) {
                return new Path(null, null, invalid(501, "5.5.4", "Syntax error in parameters"));
            }
            parsed.put(keyword, value);
        }
        return new Path(address, parsed, null);
    }

    /** local-part "@" domain, without spaces or angle brackets; quoted local parts are taken as they are. */
    private static boolean isMailbox(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.length() - at - 1 > 255 || at > 64 + 2) {
            return address.equalsIgnoreCase("postmaster"); // RFC 5321 §4.1.1.3
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c <= ' ' || c == '<' || c == '>' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5321 §4.1.2 esmtp-value: printable characters other than "=" and space (UTF-8 allowed, RFC 6531). */
    private static boolean isParameterValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == '=' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static SmtpCommand auth(String argument) {
        String[] words = argument.trim().split(" ");
        if (words.length == 0 || words[0].isEmpty() || words.length > 2) {
            return invalid(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        }
        return new SmtpCommand.Auth(words[0].toUpperCase(Locale.ROOT), words.length == 2 ? words[1] : null);
    }

    private static SmtpCommand.Invalid invalid(int code, String enhanced, String text) {
        return new SmtpCommand.Invalid(SmtpReply.of(code, enhanced, text));
    }
}
