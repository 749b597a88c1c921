package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads the tokens of one framed unit (a command or a response as {@link ImapFrameDecoder} cut it): atoms, quoted
 * strings, literals, parenthesized lists (RFC 3501 §4, §9). Positions are indexes into the unit's buffer, so a caller
 * can copy a value's exact bytes. Nesting is bounded; a syntax error is an {@link ImapSyntaxException}.
 */
public final class ImapReader {
    /** Deeper lists than this are refused (a BODYSTRUCTURE of 50 MIME levels needs about 100). */
    public static final int MAX_DEPTH = 256;

    private final ByteBuf in;
    private final int end;
    private int pos;

    public ImapReader(ByteBuf unit) {
        this.in = unit;
        this.pos = unit.readerIndex();
        this.end = unit.writerIndex();
    }

    public int position() {
        return pos;
    }

    public ByteBuf buffer() {
        return in;
    }

    /** Whether only the final CRLF is left. */
    public boolean atEnd() {
        return pos >= end - 2;
    }

    public int peek() {
        return pos < end ? in.getByte(pos) & 0xff : -1;
    }

    /** Consumes one expected byte. */
    public void expect(char c) {
        if (peek() != c) {
            throw new ImapSyntaxException("expected '" + c + "'");
        }
        pos++;
    }

    /** Consumes the byte if it is next. */
    public boolean accept(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    public void space() {
        expect(' ');
    }

    /** The final CRLF. */
    public void expectEnd() {
        if (!(pos == end - 2 && in.getByte(pos) == '\r' && in.getByte(pos + 1) == '\n')) {
            throw new ImapSyntaxException("unexpected characters at the end");
        }
        pos = end;
    }

    /** An atom (RFC 3501 ATOM-CHARs). */
    public String atom() {
        int start = pos;
        while (pos < end && ImapSyntax.isAtomChar(in.getByte(pos))) {
            pos++;
        }
        if (pos == start) {
            throw new ImapSyntaxException("expected an atom");
        }
        return in.toString(start, pos - start, StandardCharsets.US_ASCII);
    }

    /** Characters up to the next space, CRLF, or one of {@code stops}; at least one. */
    public String word(String stops) {
        int start = pos;
        while (pos < end) {
            int b = in.getByte(pos) & 0xff;
            if (b == ' ' || b == '\r' || b == '\n' || stops.indexOf(b) >= 0) {
                break;
            }
            pos++;
        }
        if (pos == start) {
            throw new ImapSyntaxException("expected a word");
        }
        return in.toString(start, pos - start, StandardCharsets.ISO_8859_1);
    }

    /** astring: an atom (with "]"), a quoted string or a literal. */
    public byte[] astring() {
        int b = peek();
        if (b == '"' || b == '{' || b == '~') {
            return string();
        }
        int start = pos;
        while (pos < end && (ImapSyntax.isAtomChar(in.getByte(pos)) || in.getByte(pos) == ']')) {
            pos++;
        }
        if (pos == start) {
            throw new ImapSyntaxException("expected a string");
        }
        byte[] value = new byte[pos - start];
        in.getBytes(start, value);
        return value;
    }

    /** A quoted string or a literal. */
    public byte[] string() {
        int b = peek();
        if (b == '"') {
            return quoted();
        }
        int[] range = literalRange();
        byte[] value = new byte[range[1] - range[0]];
        in.getBytes(range[0], value);
        return value;
    }

    /** nstring: NIL or a string; null for NIL. */
    public byte[] nstring() {
        if (peek() == 'N' || peek() == 'n') {
            String nil = atom();
            if (!nil.equalsIgnoreCase("NIL")) {
                throw new ImapSyntaxException("expected NIL or a string");
            }
            return null;
        }
        return string();
    }

    private byte[] quoted() {
        expect('"');
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            if (pos >= end) {
                throw new ImapSyntaxException("unterminated quoted string");
            }
            int b = in.getByte(pos++) & 0xff;
            if (b == '"') {
                return out.toByteArray();
            }
            if (b == '\\') {
                if (pos >= end) {
                    throw new ImapSyntaxException("unterminated quoted string");
                }
                b = in.getByte(pos++) & 0xff;
                if (b != '"' && b != '\\') {
                    throw new ImapSyntaxException("bad escape in a quoted string");
                }
            } else if (b == '\r' || b == '\n' || b == 0) {
                throw new ImapSyntaxException("CR, LF or NUL in a quoted string");
            }
            out.write(b);
        }
    }

    /** Reads a literal ({n}, {n+} or ~{n}, its CRLF and octets); returns the octets' [start, end). */
    public int[] literalRange() {
        accept('~');
        expect('{');
        int start = pos;
        while (pos < end && Character.isDigit(in.getByte(pos))) {
            pos++;
        }
        if (pos == start || pos - start > 10) {
            throw new ImapSyntaxException("bad literal size");
        }
        long size = Long.parseLong(in.toString(start, pos - start, StandardCharsets.US_ASCII));
        accept('+');
        expect('}');
        expect('\r');
        expect('\n');
        if (size > end - pos) {
            throw new ImapSyntaxException("literal longer than the unit");
        }
        int from = pos;
        pos += (int) size;
        return new int[] {from, pos};
    }

    /**
     * The text between "[" and its "]" (a FETCH section: it may hold a parenthesized list of header names, quoted
     * or as literals), at most 4 KiB; the reader stands after the "]".
     */
    public String section() {
        expect('[');
        int start = pos;
        int depth = 0;
        while (true) {
            int b = peek();
            if (b == -1 || b == '\r' || b == '\n' || pos - start > 4096) {
                throw new ImapSyntaxException("unterminated section");
            }
            if (b == '"' || b == '{') {
                string();
                continue;
            }
            pos++;
            if (b == '(') {
                depth++;
            } else if (b == ')' && --depth < 0) {
                throw new ImapSyntaxException("unbalanced section");
            } else if (b == ']' && depth == 0) {
                return in.toString(start, pos - 1 - start, StandardCharsets.ISO_8859_1);
            }
        }
    }

    /**
     * Skips one value of any kind (atom, number, NIL, string, literal, or a list of values, nested up to
     * {@link #MAX_DEPTH}) and returns where it started.
     */
    public int skipValue() {
        int start = pos;
        int depth = 0;
        do {
            int b = peek();
            if (b == '(') {
                if (++depth > MAX_DEPTH) {
                    throw new ImapSyntaxException("lists nested too deeply");
                }
                pos++;
                continue;
            }
            if (b == ')') {
                if (depth == 0) {
                    throw new ImapSyntaxException("unbalanced ')'");
                }
                depth--;
                pos++;
            } else if (b == '"' || b == '{' || b == '~') {
                string();
            } else if (b == ' ' && depth > 0) {
                pos++;
                continue;
            } else if (b == -1 || b == '\r' || b == '\n' || b == ' ') {
                throw new ImapSyntaxException("expected a value");
            } else {
                word("()");
            }
            if (depth > 0 && peek() == ' ') {
                pos++;
            }
        } while (depth > 0);
        return start;
    }
}
