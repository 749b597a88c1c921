package org.mailseal.imap.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed {@code section-spec} (RFC 3501 §6.4.5 and the §9 grammar): an optional part path and what to take from
 * that part.
 *
 * @param part   part numbers, outermost first; empty for the message itself
 * @param kind   what to take
 * @param fields header field names for {@link Kind#HEADER_FIELDS} and {@link Kind#HEADER_FIELDS_NOT}, in upper case;
 *               empty otherwise
 */
public record SectionSpec(List<Integer> part, Kind kind, List<String> fields) {

    /** The section-text (or its absence). */
    public enum Kind {
        /** No section-text: the whole message, or the body of a part. */
        ALL,
        HEADER,
        HEADER_FIELDS,
        HEADER_FIELDS_NOT,
        TEXT,
        MIME
    }

    /** Part numbers are nz-number, a 32-bit unsigned value (RFC 3501 §9). */
    private static final long MAX_NUMBER = 0xFFFF_FFFFL;

    public SectionSpec {
        part = List.copyOf(part);
        fields = List.copyOf(fields);
    }

    /** Parses the text between the brackets; null when it is not a valid section-spec. */
    static SectionSpec parse(String section) {
        if (section == null) {
            return null;
        }
        List<Integer> path = new ArrayList<>();
        int i = 0;
        int n = section.length();
        while (i < n && isDigit(section.charAt(i))) {
            if (section.charAt(i) == '0') {
                return null; // nz-number: no 0, no leading zeros
            }
            long value = 0;
            while (i < n && isDigit(section.charAt(i))) {
                value = value * 10 + (section.charAt(i++) - '0');
                if (value > MAX_NUMBER) {
                    return null;
                }
            }
            path.add((int) Math.min(value, Integer.MAX_VALUE));
            if (i == n) {
                return new SectionSpec(path, Kind.ALL, List.of());
            }
            if (section.charAt(i) != '.') {
                return null;
            }
            i++;
            if (i == n) {
                return null; // trailing dot
            }
        }
        String rest = section.substring(i);
        String upper = rest.toUpperCase(Locale.ROOT);
        if (rest.isEmpty()) {
            return path.isEmpty() ? new SectionSpec(path, Kind.ALL, List.of()) : null;
        }
        if (upper.equals("HEADER")) {
            return new SectionSpec(path, Kind.HEADER, List.of());
        }
        if (upper.equals("TEXT")) {
            return new SectionSpec(path, Kind.TEXT, List.of());
        }
        if (upper.equals("MIME")) {
            // MIME only after a part number (RFC 3501 §9 section-text)
            return path.isEmpty() ? null : new SectionSpec(path, Kind.MIME, List.of());
        }
        if (upper.startsWith("HEADER.FIELDS.NOT")) {
            List<String> fields = headerList(rest.substring(17));
            return fields == null ? null : new SectionSpec(path, Kind.HEADER_FIELDS_NOT, fields);
        }
        if (upper.startsWith("HEADER.FIELDS")) {
            List<String> fields = headerList(rest.substring(13));
            return fields == null ? null : new SectionSpec(path, Kind.HEADER_FIELDS, fields);
        }
        return null;
    }

    /** {@code SP "(" header-fld-name *(SP header-fld-name) ")"}, names being astrings. */
    private static List<String> headerList(String s) {
        if (!s.startsWith(" (") || !s.endsWith(")")) {
            return null;
        }
        byte[] b = s.substring(2, s.length() - 1).getBytes(StandardCharsets.ISO_8859_1);
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            if (b[i] == ' ') {
                if (i == 0 || b[i - 1] == ' ' || i == b.length - 1) {
                    return null;
                }
                i++;
                continue;
            }
            int start = i;
            String name;
            if (b[i] == '"') {
                StringBuilder q = new StringBuilder();
                i++;
                while (i < b.length && b[i] != '"') {
                    if (b[i] == '\\') {
                        i++;
                        if (i >= b.length || (b[i] != '"' && b[i] != '\\')) {
                            return null;
                        }
                    } else if (b[i] == '\r' || b[i] == '\n' || (b[i] & 0x80) != 0) {
                        return null;
                    }
                    q.append((char) b[i++]);
                }
                if (i >= b.length) {
                    return null;
                }
                i++;
                name = q.toString();
            } else if (b[i] == '{') {
                int close = indexOf(b, (byte) '}', i);
                if (close < 0 || close + 2 >= b.length || b[close + 1] != '\r' || b[close + 2] != '\n') {
                    return null;
                }
                int len;
                try {
                    len = Integer.parseInt(new String(b, i + 1, close - i - 1, StandardCharsets.ISO_8859_1));
                } catch (NumberFormatException e) {
                    return null;
                }
                int from = close + 3;
                if (len < 0 || from + len > b.length) {
                    return null;
                }
                name = new String(b, from, len, StandardCharsets.ISO_8859_1);
                i = from + len;
            } else {
                while (i < b.length && isAstringChar(b[i])) {
                    i++;
                }
                if (i == start) {
                    return null;
                }
                name = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            }
            if (i < b.length && b[i] != ' ') {
                return null;
            }
            names.add(name.toUpperCase(Locale.ROOT));
        }
        return names.isEmpty() ? null : names;
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** ASTRING-CHAR: ATOM-CHAR or "]" (RFC 3501 §9). */
    private static boolean isAstringChar(byte c) {
        return c > 0x20 && c < 0x7f && "(){%*\"\\".indexOf(c) < 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
