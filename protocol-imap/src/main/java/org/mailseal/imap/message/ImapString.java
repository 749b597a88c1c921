package org.mailseal.imap.message;

/**
 * Writes IMAP strings (RFC 3501 §4.3, §9 {@code string}/{@code nstring}) the way Dovecot 2.3 does, so that answers
 * computed here are byte-identical to a real server's. Text is carried in ISO-8859-1 {@link String}s: one char per
 * octet, so 8-bit header bytes survive untouched.
 */
final class ImapString {
    /** Dovecot switches from a quoted string to a literal after this many quoted-specials ({@code "} and {@code \}). */
    private static final int QUOTED_MAX_ESCAPES = 4;

    private ImapString() {
    }

    /** {@code nstring}: NIL for null; quoted unless CR, LF, 8-bit octets or too many specials force a literal. */
    static void nstring(StringBuilder out, String s) {
        if (s == null) {
            out.append("NIL");
            return;
        }
        int escapes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                if (escapes++ < QUOTED_MAX_ESCAPES) {
                    continue;
                }
                literal(out, s);
                return;
            }
            // TEXT-CHAR excludes CR and LF; quoted strings are 7-bit (RFC 3501 §9).
            if (c == '\r' || c == '\n' || c >= 0x80) {
                literal(out, s);
                return;
            }
        }
        quoted(out, s);
    }

    /** Like {@link #nstring} but with CR and LF removed first, inserting a space where a line break had none. */
    static void nstringNoLf(StringBuilder out, String s) {
        if (s == null || (s.indexOf('\r') < 0 && s.indexOf('\n') < 0)) {
            nstring(out, s);
            return;
        }
        StringBuilder clean = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\r' && c != '\n') {
                clean.append(c);
            } else if (i + 1 < s.length() && " \t\r\n".indexOf(s.charAt(i + 1)) < 0) {
                clean.append(' ');
            }
        }
        nstring(out, clean.toString());
    }

    /**
     * Dovecot's "string for humans" used for ENVELOPE subjects and display names: TABs become spaces, runs of
     * spaces collapse, CR/LF vanish, leading and trailing whitespace goes, NUL becomes 0x80; anything that needed
     * a change is sent as a literal.
     */
    static void forHumans(StringBuilder out, String s) {
        int size = s.length();
        int removeCount = 0;
        boolean whitespacePrefix = true;
        boolean lastLwsp = true;
        boolean modify = false;
        for (int i = 0; i < size; i++) {
            char c = s.charAt(i);
            switch (c) {
                case 0 -> {
                    lastLwsp = false;
                    modify = true;
                }
                case '\t', ' ' -> {
                    if (c == '\t') {
                        modify = true;
                    }
                    if (lastLwsp) {
                        modify = true;
                        removeCount++;
                    }
                    lastLwsp = true;
                }
                case '\r', '\n' -> {
                    removeCount++;
                    modify = true;
                }
                case '"', '\\' -> {
                    modify = true;
                    lastLwsp = false;
                }
                default -> {
                    if (c >= 0x80) {
                        modify = true;
                    }
                    lastLwsp = false;
                }
            }
            if (!lastLwsp) {
                whitespacePrefix = false;
            }
        }
        if (lastLwsp && size > 0 && !whitespacePrefix) {
            modify = true;
            removeCount++;
        }
        if (!modify) {
            out.append('"').append(s).append('"');
            return;
        }
        if (size == removeCount) {
            out.append("\"\"");
            return;
        }
        StringBuilder clean = new StringBuilder(size);
        lastLwsp = true;
        whitespacePrefix = true;
        for (int i = 0; i < size; i++) {
            char c = s.charAt(i);
            switch (c) {
                case 0 -> {
                    clean.append((char) 0x80);
                    lastLwsp = false;
                }
                case '\t', ' ' -> {
                    if (!lastLwsp) {
                        clean.append(' ');
                    }
                    lastLwsp = true;
                }
                case '\r', '\n' -> {
                }
                default -> {
                    lastLwsp = false;
                    clean.append(c);
                }
            }
            if (!lastLwsp) {
                whitespacePrefix = false;
            }
        }
        if (lastLwsp && size > 0 && !whitespacePrefix) {
            clean.setLength(clean.length() - 1);
        }
        out.append('{').append(clean.length()).append("}\r\n").append(clean);
    }

    private static void literal(StringBuilder out, String s) {
        out.append('{').append(s.length()).append("}\r\n").append(s);
    }

    private static void quoted(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }
}
