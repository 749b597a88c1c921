package org.mailseal.imap.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One header field of a part: its name, its unfolded value and the octet range it occupies (with its continuation
 * lines and line ends), which HEADER.FIELDS copies verbatim (RFC 3501 §6.4.5).
 *
 * @param name  the text before the colon without trailing blanks, or the whole line when there is no colon
 * @param value the value with leading blanks skipped, continuation lines kept with their line ends (callers
 *              unfold as Dovecot does for each use), in ISO-8859-1; null when the line has no colon
 * @param start offset of the field's first octet
 * @param end   offset after the field's last line end
 */
record HeaderField(String name, String value, int start, int end) {

    /** Splits {@code [start, end)} (a header, possibly with its terminating empty line) into fields. */
    static List<HeaderField> parse(byte[] m, int start, int end) {
        List<HeaderField> fields = new ArrayList<>();
        int p = start;
        String name = null;
        int valueStart = -1;
        int valueEnd = -1;
        int fieldStart = start;
        while (p < end) {
            int lf = indexOf(m, (byte) '\n', p, end);
            int lineEnd = lf < 0 ? end : lf + 1;
            int contentEnd = lf < 0 ? end : (lf > p && m[lf - 1] == '\r' ? lf - 1 : lf);
            if (contentEnd == p && lf >= 0 && (name == null || !isLwsp(m[p]))) {
                break; // the empty line ending the header
            }
            if (name != null && isLwsp(m[p])) {
                valueEnd = contentEnd; // RFC 5322 §2.2.3 folding
            } else {
                if (name != null) {
                    fields.add(field(m, name, valueStart, valueEnd, fieldStart, p));
                }
                fieldStart = p;
                int colon = indexOf(m, (byte) ':', p, contentEnd);
                if (colon < 0) {
                    name = latin1(m, p, contentEnd);
                    valueStart = -1;
                } else {
                    int nameEnd = colon;
                    while (nameEnd > p && isLwsp(m[nameEnd - 1])) {
                        nameEnd--;
                    }
                    name = latin1(m, p, nameEnd);
                    int v = colon + 1;
                    while (v < contentEnd && isLwsp(m[v])) {
                        v++;
                    }
                    if (v == contentEnd && v > colon + 1) {
                        v = colon + 2; // all blanks: skip only the first one
                    }
                    valueStart = v;
                    valueEnd = contentEnd;
                }
            }
            p = lineEnd;
        }
        if (name != null) {
            fields.add(field(m, name, valueStart, valueEnd, fieldStart, p));
        }
        return fields;
    }

    private static HeaderField field(byte[] m, String name, int valueStart, int valueEnd, int start, int end) {
        return new HeaderField(name, valueStart < 0 ? null : latin1(m, valueStart, valueEnd), start, end);
    }

    static boolean isLwsp(byte b) {
        return b == ' ' || b == '\t';
    }

    static int indexOf(byte[] m, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (m[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static String latin1(byte[] m, int from, int to) {
        return new String(m, from, Math.max(0, to - from), StandardCharsets.ISO_8859_1);
    }
}
