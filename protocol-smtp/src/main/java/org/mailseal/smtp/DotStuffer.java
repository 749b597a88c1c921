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

    /** Stuffs one chunk of content; the input is not released. */
    public ByteBuf stuff(ByteBuf content, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(content.readableBytes() + content.readableBytes() / 64 + 8);
        int end = content.writerIndex();
        for (int i = content.readerIndex(); i < end; i++) {
            byte b = content.getByte(i);
            if (afterCr && b != LF) {
                out.writeByte(LF); // a bare CR: finish it as CRLF
                atLineStart = true;
            }
            if (b == LF && !afterCr) {
                out.writeByte(CR); // a bare LF: give it its CR
            }
            if (atLineStart && b == '.') {
                out.writeByte('.');
            }
            out.writeByte(b);
            afterCr = b == CR;
            atLineStart = b == LF;
        }
        return out;
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
