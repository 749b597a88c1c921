package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Character classes and string forms of RFC 3501 §9 (formal syntax). */
public final class ImapSyntax {
    private ImapSyntax() {}

    /** ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]. */
    public static boolean isAtomChar(int b) {
        return b > 0x20 && b < 0x7f && b != '(' && b != ')' && b != '{' && b != '%' && b != '*' && b != '"'
                && b != '\\' && b != ']';
    }

    /** A tag character: ASTRING-CHAR (ATOM-CHAR or "]") except "+". */
    public static boolean isTagChar(int b) {
        return (isAtomChar(b) || b == ']') && b != '+';
    }

    /** Whether a tag is well formed. */
    public static boolean isTag(String tag) {
        if (tag.isEmpty() || tag.length() > 64) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            if (!isTagChar(tag.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes {@code value} as an IMAP string: quoted when it is 7-bit text without CR, LF, NUL (RFC 3501 §4.3),
     * a literal otherwise.
     */
    public static void writeString(ByteBuf out, byte[] value) {
        boolean quotable = value.length < 1024;
        for (int i = 0; quotable && i < value.length; i++) {
            int b = value[i] & 0xff;
            quotable = b != 0 && b != '\r' && b != '\n' && b < 0x80;
        }
        if (!quotable) {
            out.writeByte('{').writeCharSequence(Integer.toString(value.length), StandardCharsets.US_ASCII);
            out.writeByte('}').writeByte('\r').writeByte('\n').writeBytes(value);
            return;
        }
        out.writeByte('"');
        for (byte b : value) {
            if (b == '"' || b == '\\') {
                out.writeByte('\\');
            }
            out.writeByte(b);
        }
        out.writeByte('"');
    }

    /** {@link #writeString} of a UTF-8 string. */
    public static void writeString(ByteBuf out, String value) {
        writeString(out, value.getBytes(StandardCharsets.UTF_8));
    }
}
