package org.mailseal.imap;

import io.netty.buffer.ByteBuf;

/**
 * DESIGN.md invariant 9 for commands that are relayed: outside literals a command holds no CR except in its line
 * ends and no NUL (RFC 3501 §9: CHAR and TEXT-CHAR exclude them); inside literals, no NUL (RFC 3501 "literal"), and no
 * CR or LF either, except in the message an APPEND carries (its last literal). So a tag, a mailbox name or a search
 * string smuggling a line break never reaches the server.
 */
final class UnitCheck {
    private UnitCheck() {}

    static boolean clean(ByteBuf unit, boolean append) {
        java.util.List<int[]> literals = new java.util.ArrayList<>();
        int pos = unit.readerIndex();
        int end = unit.writerIndex();
        while (pos < end) {
            int lf = unit.indexOf(pos, end, (byte) '\n');
            int lineEnd = lf < 0 ? end : lf - 1; // the CR of the CRLF
            for (int i = pos; i < lineEnd; i++) {
                byte b = unit.getByte(i);
                if (b == 0 || b == '\r' || b == '\n') {
                    return false;
                }
            }
            if (lf < 0) {
                break;
            }
            int literal = literalSize(unit, pos, lineEnd);
            pos = lf + 1;
            if (literal > 0) {
                literals.add(new int[] {pos, pos + literal});
                pos += literal;
            }
        }
        for (int n = 0; n < literals.size(); n++) {
            boolean message = append && n == literals.size() - 1;
            for (int i = literals.get(n)[0]; i < literals.get(n)[1]; i++) {
                byte b = unit.getByte(i);
                if (b == 0 || (!message && (b == '\r' || b == '\n'))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The size of the literal announced at the end of the line [from, cr), or 0. */
    private static int literalSize(ByteBuf unit, int from, int cr) {
        if (cr - from < 3 || unit.getByte(cr - 1) != '}') {
            return 0;
        }
        int i = cr - 1;
        if (unit.getByte(i - 1) == '+') {
            i--;
        }
        int digitsEnd = i;
        while (i > from && Character.isDigit(unit.getByte(i - 1))) {
            i--;
        }
        if (i == digitsEnd || i == from || unit.getByte(i - 1) != '{' || digitsEnd - i > 9) {
            return 0;
        }
        return Integer.parseInt(unit.toString(i, digitsEnd - i, java.nio.charset.StandardCharsets.US_ASCII));
    }
}
