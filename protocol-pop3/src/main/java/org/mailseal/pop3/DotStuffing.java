package org.mailseal.pop3;

import io.netty.buffer.ByteBuf;

/** The byte-stuffing of multi-line responses (RFC 1939 §3): a line that starts with "." gets another in front. */
final class DotStuffing {
    private static final byte[] TERMINATOR = {'.', '\r', '\n'};
    private static final byte[] CRLF = {'\r', '\n'};

    private DotStuffing() {}

    /** A received multi-line body (without its terminator) as the octets it stands for. */
    static byte[] unstuff(ByteBuf body) {
        byte[] out = new byte[body.readableBytes()];
        int written = 0;
        int at = body.readerIndex();
        int end = body.writerIndex();
        while (at < end) {
            if (body.getByte(at) == '.') {
                at++; // the stuffed dot
            }
            int lf = body.indexOf(at, end, (byte) '\n');
            int lineEnd = lf < 0 ? end : lf + 1;
            body.getBytes(at, out, written, lineEnd - at);
            written += lineEnd - at;
            at = lineEnd;
        }
        return written == out.length ? out : java.util.Arrays.copyOf(out, written);
    }

    /**
     * Writes octets as a multi-line body and its terminator: lines that start with "." stuffed, and a CRLF added
     * when the octets do not end in one (the terminator must start a line).
     */
    static void stuff(byte[] message, int from, int to, ByteBuf out) {
        int at = from;
        while (at < to) {
            if (message[at] == '.') {
                out.writeByte('.');
            }
            int lineEnd = at;
            while (lineEnd < to && message[lineEnd] != '\n') {
                lineEnd++;
            }
            lineEnd = Math.min(to, lineEnd + 1);
            out.writeBytes(message, at, lineEnd - at);
            at = lineEnd;
        }
        if (to > from && (to - from < 2 || message[to - 2] != '\r' || message[to - 1] != '\n')) {
            out.writeBytes(CRLF);
        }
        out.writeBytes(TERMINATOR);
    }
}
