package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-frames a whole command for a server: with LITERAL+ (RFC 7888) every literal becomes non-synchronizing and the
 * command goes out in one piece; without it, the command is cut after each literal announcement, and each later
 * piece goes out when the server has asked for it with a continuation request (RFC 3501 §7.5).
 */
final class LiteralSplitter {
    private LiteralSplitter() {}

    /** Consumes {@code command}; returns the pieces to send, the first at once, each other after a "+". */
    static List<ByteBuf> split(ByteBuf command, boolean literalPlus) {
        List<ByteBuf> parts = new ArrayList<>();
        ByteBuf part = Unpooled.buffer(command.readableBytes() + 16);
        int pos = command.readerIndex();
        int end = command.writerIndex();
        try {
            while (pos < end) {
                int lf = command.indexOf(pos, end, (byte) '\n');
                if (lf < 0) {
                    part.writeBytes(command, pos, end - pos);
                    break;
                }
                int open = literalOpen(command, pos, lf);
                if (open < 0) {
                    part.writeBytes(command, pos, lf + 1 - pos);
                    pos = lf + 1;
                    continue;
                }
                int close = lf - 2; // the '}'
                boolean plus = command.getByte(close - 1) == '+';
                int digitsEnd = plus ? close - 1 : close;
                String digits = command.toString(open + 1, digitsEnd - open - 1, StandardCharsets.US_ASCII);
                int size = Integer.parseInt(digits);
                part.writeBytes(command, pos, open + 1 - pos).writeCharSequence(digits, StandardCharsets.US_ASCII);
                part.writeCharSequence(literalPlus ? "+}\r\n" : "}\r\n", StandardCharsets.US_ASCII);
                if (!literalPlus) {
                    parts.add(part);
                    part = Unpooled.buffer(Math.max(64, end - lf));
                }
                part.writeBytes(command, lf + 1, size);
                pos = lf + 1 + size;
            }
            parts.add(part);
            return parts;
        } finally {
            command.release();
        }
    }

    /** Index of the '{' of a literal announced at the end of the line [from, lf], or -1. */
    private static int literalOpen(ByteBuf line, int from, int lf) {
        int close = lf - 2;
        if (close <= from || line.getByte(lf - 1) != '\r' || line.getByte(close) != '}') {
            return -1;
        }
        int i = line.getByte(close - 1) == '+' ? close - 1 : close;
        int digitsEnd = i;
        while (i > from && Character.isDigit(line.getByte(i - 1))) {
            i--;
        }
        return i < digitsEnd && i > from && line.getByte(i - 1) == '{' && digitsEnd - i <= 10 ? i - 1 : -1;
    }
}
