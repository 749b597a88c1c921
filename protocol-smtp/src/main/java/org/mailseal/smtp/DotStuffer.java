package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Prepares message content for the upstream's DATA (RFC 5321 §4.5.2): every line that starts with a dot gets a
 * second one, and every line ending is CRLF, so that nothing but the terminating CRLF "." CRLF can end the data
 * there (a bare CR or LF becomes CRLF: the upstream never sees one, SMTP smuggling included). Stateful across
 * chunks; one instance per message.
 */
public final class DotStuffer {
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private boolean atLineStart = true;
    private boolean afterCr;

    /**
     * Stuffs {@code length} bytes of content from {@code chunk}. Runs of bytes that need nothing are copied in one
     * piece; only line ends and line-initial dots are looked at one by one.
     */
    public ByteBuf stuff(byte[] chunk, int offset, int length, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(length + length / 64 + 8);
        int end = offset + length;
        int copied = offset; // chunk[copied, i) is still to be written
        for (int i = offset; i < end; i++) {
            byte b = chunk[i];
            if (!afterCr && !atLineStart && b != LF) {
                afterCr = b == CR; // the common case: nothing to add before this byte
                continue;
            }
            if (afterCr && b != LF) {
                out.writeBytes(chunk, copied, i - copied).writeByte(LF); // a bare CR: finish it as CRLF
                copied = i;
                atLineStart = true;
            }
            if (b == LF && !afterCr) {
                out.writeBytes(chunk, copied, i - copied).writeByte(CR); // a bare LF: give it its CR
                copied = i;
            }
            if (atLineStart && b == '.') {
                out.writeBytes(chunk, copied, i - copied).writeByte('.');
                copied = i;
            }
            afterCr = b == CR;
            atLineStart = b == LF;
        }
        return out.writeBytes(chunk, copied, end - copied);
    }

    /** The terminating sequence: CRLF "." CRLF, or just "." CRLF when the content already ended its last line. */
    public ByteBuf end(ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(5);
        if (afterCr) {
            out.writeByte(LF);
        } else if (!atLineStart) {
            out.writeByte(CR).writeByte(LF);
        }
        out.writeByte('.').writeByte(CR).writeByte(LF);
        atLineStart = true;
        afterCr = false;
        return out;
    }
}
