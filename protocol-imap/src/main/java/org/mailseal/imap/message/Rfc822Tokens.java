package org.mailseal.imap.message;

/**
 * A cursor over a header value with the RFC 5322 §3.2 lexical rules (CFWS, atoms, quoted strings, domains) and the
 * MIME token rules of RFC 2045 §5.1, as lenient as Dovecot's lib-mail parser, whose results the IMAP answers must
 * reproduce. Return values follow one convention: negative on a syntax error, 0 at the end of input, positive when
 * more input follows.
 */
final class Rfc822Tokens {
    /** 1: atext; 2: alpha, digit or 8-bit; 4: atext that is a MIME tspecial ({@code / = ?}). 0: not atext. */
    private static final byte[] ATEXT = new byte[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            ATEXT[c] = 2;
            ATEXT[c - 'a' + 'A'] = 2;
        }
        for (int c = '0'; c <= '9'; c++) {
            ATEXT[c] = 2;
        }
        for (char c : "!#$%&'*+-^_`{|}~".toCharArray()) {
            ATEXT[c] = 1;
        }
        ATEXT['/'] = 4;
        ATEXT['='] = 4;
        ATEXT['?'] = 4;
        for (int c = 128; c < 256; c++) {
            ATEXT[c] = 2;
        }
    }

    private final String s;
    private final int end;
    private final StringBuilder lastComment;
    int pos;

    Rfc822Tokens(String s, StringBuilder lastComment) {
        this.s = s;
        this.end = s.length();
        this.lastComment = lastComment;
    }

    static boolean isAtext(char c) {
        return c < 256 && ATEXT[c] != 0;
    }

    private static boolean isMimeTokenChar(char c) {
        return c < 256 && ((ATEXT[c] & 3) != 0 || c == '.');
    }

    boolean atEnd() {
        return pos >= end;
    }

    /** The current char, or NUL at the end (C-string semantics, as the original parser relies on). */
    char peek() {
        return pos < end ? s.charAt(pos) : 0;
    }

    String remaining() {
        return s.substring(Math.min(pos, end));
    }

    int skipComment() {
        int level = 1;
        if (lastComment != null) {
            lastComment.setLength(0);
        }
        int start = ++pos;
        for (; pos < end; pos++) {
            char c = s.charAt(pos);
            if (c == '(') {
                level++;
            } else if (c == ')') {
                if (--level == 0) {
                    if (lastComment != null) {
                        lastComment.append(s, start, pos);
                    }
                    pos++;
                    return pos < end ? 1 : 0;
                }
            } else if (c == '\\') {
                if (lastComment != null) {
                    lastComment.append(s, start, pos);
                }
                start = pos + 1;
                pos++;
                if (pos >= end) {
                    return -1;
                }
            }
        }
        return -1;
    }

    int skipLwsp() {
        while (pos < end) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                pos++;
                continue;
            }
            if (c != '(') {
                break;
            }
            if (skipComment() < 0) {
                return -1;
            }
        }
        return pos < end ? 1 : 0;
    }

    int atom(StringBuilder out) {
        if (pos >= end || !isAtext(s.charAt(pos))) {
            return -1;
        }
        int start = pos++;
        while (pos < end && isAtext(s.charAt(pos))) {
            pos++;
        }
        out.append(s, start, pos);
        return pos < end ? skipLwsp() : 0;
    }

    /** dot-atom, allowing CFWS around the dots for RFC 822 compatibility. */
    int dotAtom(StringBuilder out) {
        if (pos >= end || !isAtext(s.charAt(pos))) {
            return -1;
        }
        int start = pos++;
        while (pos < end) {
            if (isAtext(s.charAt(pos))) {
                pos++;
                continue;
            }
            out.append(s, start, pos);
            int ret = skipLwsp();
            if (ret <= 0) {
                return ret;
            }
            if (s.charAt(pos) != '.') {
                return 1;
            }
            pos++;
            out.append('.');
            ret = skipLwsp();
            if (ret <= 0) {
                return ret;
            }
            start = pos;
        }
        out.append(s, start, pos);
        return 0;
    }

    int mimeToken(StringBuilder out) {
        int start = pos;
        while (pos < end && isMimeTokenChar(s.charAt(pos))) {
            pos++;
        }
        out.append(s, start, pos);
        return pos < end ? skipLwsp() : 0;
    }

    /** quoted-string at a {@code "}: quoted-pairs unescaped, folding CRLFs removed. */
    int quotedString(StringBuilder out) {
        pos++;
        int start = pos;
        for (; pos < end; pos++) {
            char c = s.charAt(pos);
            if (c == '"') {
                out.append(s, start, pos);
                pos++;
                return skipLwsp();
            } else if (c == '\n') {
                int stop = pos;
                if (stop > start && s.charAt(stop - 1) == '\r') {
                    stop--;
                }
                out.append(s, start, stop);
                start = pos + 1;
            } else if (c == '\\') {
                pos++;
                if (pos >= end) {
                    return -1;
                }
                out.append(s, start, pos - 1);
                start = pos;
            }
        }
        return -1;
    }

    private int atomOrDot(StringBuilder out) {
        int start = pos;
        while (pos < end && (isAtext(s.charAt(pos)) || s.charAt(pos) == '.')) {
            pos++;
        }
        out.append(s, start, pos);
        return pos < end ? skipLwsp() : 0;
    }

    /** phrase (RFC 5322 §3.2.5, with obs-phrase dots): words joined by one space. */
    int phrase(StringBuilder out) {
        if (pos >= end) {
            return 0;
        }
        if (s.charAt(pos) == '.') {
            return -1;
        }
        for (;;) {
            int ret = s.charAt(pos) == '"' ? quotedString(out) : atomOrDot(out);
            if (ret <= 0) {
                return ret;
            }
            char c = s.charAt(pos);
            if (!isAtext(c) && c != '"' && c != '.') {
                break;
            }
            out.append(' ');
        }
        return skipLwsp();
    }

    private int domainLiteral(StringBuilder out) {
        int start = pos;
        for (; pos < end; pos++) {
            char c = s.charAt(pos);
            if (c == '\\') {
                pos++;
                if (pos >= end) {
                    break;
                }
            } else if (c == ']') {
                pos++;
                out.append(s, start, pos);
                return skipLwsp();
            }
        }
        return -1;
    }

    /** domain after an {@code @}. */
    int domain(StringBuilder out) {
        pos++;
        if (skipLwsp() <= 0) {
            return -1;
        }
        return s.charAt(pos) == '[' ? domainLiteral(out) : dotAtom(out);
    }

    /**
     * type "/" subtype (RFC 2045 §5.1). On error {@code out} keeps a lone type token that ran to the end of the
     * value (so "Content-Type: text" still says "text") and is otherwise emptied, as Dovecot 2.3.19 does.
     */
    int contentType(StringBuilder out) {
        int start = out.length();
        if (skipLwsp() <= 0) {
            return -1;
        }
        if (mimeToken(out) <= 0 || out.length() == start) {
            return -1;
        }
        if (peek() != '/') {
            out.setLength(start);
            return -1;
        }
        pos++;
        if (skipLwsp() <= 0) {
            out.setLength(start);
            return -1;
        }
        out.append('/');
        int subtypeStart = out.length();
        int ret = mimeToken(out);
        if (ret < 0 || out.length() == subtypeStart || (pos < end && s.charAt(pos) != ';')) {
            out.setLength(start);
            return -1;
        }
        return ret;
    }

    /** One {@code ; attribute = value}; fills {@code kv[0..1]}. 0 at the end, negative when broken. */
    int contentParam(String[] kv) {
        kv[0] = null;
        kv[1] = null;
        if (pos >= end) {
            return 0;
        }
        if (s.charAt(pos) != ';') {
            return -1;
        }
        pos++;
        if (skipLwsp() <= 0) {
            return -1;
        }
        StringBuilder key = new StringBuilder();
        if (mimeToken(key) <= 0) {
            return -1;
        }
        if (peek() != '=') {
            return -1;
        }
        pos++;
        StringBuilder value = new StringBuilder();
        int ret = skipLwsp();
        if (ret <= 0) {
            // broken or no value
        } else if (s.charAt(pos) == '"') {
            ret = quotedString(value);
        } else if (s.charAt(pos) == '=') {
            // Dovecot's workaround for unquoted encoded words: name==?utf-8?b?...?=
            while (pos < end && ";\t\r\n ".indexOf(s.charAt(pos)) < 0) {
                value.append(s.charAt(pos++));
            }
        } else {
            ret = mimeToken(value);
        }
        kv[0] = key.toString();
        kv[1] = value.toString();
        return ret < 0 ? -1 : 1;
    }
}
