package org.mailseal.imap.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a message into its part tree with exact octet offsets, following RFC 2046 §5.1.1 and, where messages
 * break the rules, Dovecot's lib-mail message parser:
 * <ul>
 *   <li>a delimiter is a line starting with {@code --boundary} of any enclosing multipart; the longest matching
 *       boundary wins, an inner one shadows an outer one only when it is longer, and a line matching an outer
 *       boundary also ends every part nested below it;</li>
 *   <li>the line end before a delimiter belongs to the delimiter, also when it ends a header that had no empty
 *       line;</li>
 *   <li>a multipart without a boundary parameter has no parts; a missing close delimiter ends parts at the end of
 *       the message; a header without an empty line runs to the end (or to the next delimiter).</li>
 * </ul>
 * Bounded and iterative: parts deeper than {@code maxDepth} and parts beyond {@code maxParts} are not split
 * further (their bodies become opaque leaves), and no recursion follows the input's nesting.
 */
final class MimeTreeParser {
    private record Boundary(byte[] text, MimePart owner) {
    }

    /** A delimiter line found at {@code lineStart}; the part before it ends at {@code partEnd}. */
    private record Delimiter(Boundary boundary, int partEnd, int lineStart, boolean close) {
    }

    private final byte[] m;
    private final int maxDepth;
    private final int maxParts;
    private final List<Boundary> boundaries = new ArrayList<>();
    private int parts;

    MimeTreeParser(byte[] message, int maxDepth, int maxParts) {
        this.m = message;
        this.maxDepth = maxDepth;
        this.maxParts = maxParts;
    }

    MimePart parse() {
        MimePart root = new MimePart(null, 0, 0);
        parts = 1;
        MimePart current = root;
        int pos = 0;
        boolean inHeader = true;
        while (true) {
            Delimiter d;
            if (inHeader) {
                d = readHeader(current, pos);
                if (d != null) {
                    // the part's own end excludes the line end, its ancestors' include it
                    current = current.parent;
                } else {
                    pos = current.headerEnd;
                    MimePart child = startBody(current);
                    if (child != null) {
                        current = child;
                        continue;
                    }
                    d = findDelimiter(pos);
                }
            } else {
                d = findDelimiter(pos);
            }
            if (d == null) {
                for (MimePart p = current; p != null; p = p.parent) {
                    p.end = m.length;
                }
                return root;
            }
            for (MimePart p = current; p != d.boundary().owner(); p = p.parent) {
                p.end = d.partEnd();
            }
            current = d.boundary().owner();
            int top = boundaries.indexOf(d.boundary());
            int keep = d.close() ? top : top + 1;
            boundaries.subList(keep, boundaries.size()).clear();
            int lf = HeaderField.indexOf(m, (byte) '\n', d.lineStart(), m.length);
            pos = lf < 0 ? m.length : lf + 1;
            if (!d.close()) {
                if (parts >= maxParts) {
                    // Over the part limit: stop splitting; the rest of the message is this multipart's body.
                    boundaries.clear();
                    inHeader = false;
                    continue;
                }
                MimePart child = new MimePart(current, pos, current.depth + 1);
                current.children.add(child);
                parts++;
                current = child;
                inHeader = true;
            } else {
                inHeader = false; // epilogue
            }
        }
    }

    /**
     * Reads the header of {@code part} from {@code pos}; returns the delimiter that cut it short, if any. As in
     * Dovecot, a delimiter at the start of any header line, or on the line right after the empty line, ends the
     * header, and the line end before it (even the empty line's) then belongs to the parent part's body.
     */
    private Delimiter readHeader(MimePart part, int pos) {
        int p = pos;
        int lastNewline = 0;
        boolean eoh = false;
        Delimiter cut = null;
        while (true) {
            if (eoh) {
                part.headerEnd = p;
                classify(part);
            }
            Delimiter d = delimiterAt(p, p, eoh ? ownBoundary(part) : null);
            if (d != null) {
                part.headerEnd = p - lastNewline;
                cut = d;
                break;
            }
            if (eoh || p >= m.length) {
                part.headerEnd = p;
                break;
            }
            if (m[p] == '\n' || (m[p] == '\r' && p + 1 < m.length && m[p + 1] == '\n')) {
                lastNewline = m[p] == '\n' ? 1 : 2;
                p += lastNewline;
                eoh = true;
                continue;
            }
            int lf = HeaderField.indexOf(m, (byte) '\n', p, m.length);
            if (lf < 0) {
                p = m.length;
                continue;
            }
            lastNewline = lf > p && m[lf - 1] == '\r' ? 2 : 1;
            p = lf + 1;
        }
        if (!eoh) {
            classify(part);
        }
        if (cut != null) {
            part.end = part.headerEnd;
            if (part.rfc822 && part.depth < maxDepth && parts < maxParts) {
                // Dovecot still gives the cut message/rfc822 part an (empty) encapsulated message.
                MimePart child = new MimePart(part, part.headerEnd, part.depth + 1);
                child.envelope = Envelope.of(List.of());
                part.children.add(child);
                parts++;
            } else {
                part.rfc822 = false;
            }
        }
        return cut;
    }

    /** Reads what the header of a part says about its content; the header range must be final. */
    private void classify(MimePart part) {
        part.fields = HeaderField.parse(m, part.start, part.headerEnd);
        ContentFields.TypeInfo type = ContentFields.typeInfo(part.fields);
        boolean mimeVersion = part.fields.stream()
                .anyMatch(f -> f.value() != null && f.name().equalsIgnoreCase("MIME-Version"));
        boolean inMultipart = part.parent != null && part.parent.multipart;
        // Without MIME-Version or Content-Type (and outside a multipart) Content-* fields mean nothing.
        boolean mime = mimeVersion || type.present() || inMultipart;
        part.content = ContentFields.parse(part.fields, mime);
        part.multipart = type.multipart();
        part.multipartBoundary = type.boundary();
        // RFC 2046 §5.1.5: in multipart/digest the default type is message/rfc822
        part.rfc822 = type.rfc822() || (!type.present() && inMultipart && part.parent.digest);
        part.digest = type.digest();
        part.text = type.present() ? type.text() : !part.rfc822;
        if (part.parent == null || part.parent.rfc822) {
            part.envelope = Envelope.of(part.fields);
        }
    }

    /** The boundary a multipart is about to open, which must not cut its own header. */
    private Boundary ownBoundary(MimePart part) {
        return part.multipart && part.multipartBoundary != null
                ? new Boundary(part.multipartBoundary.getBytes(StandardCharsets.ISO_8859_1), part) : null;
    }

    /**
     * Prepares the body of a part whose header was just read: a multipart's boundary becomes active, a
     * message/rfc822 part gets its encapsulated message (returned, to be read next).
     */
    private MimePart startBody(MimePart part) {
        boolean nestable = part.depth < maxDepth && parts < maxParts;
        if (part.multipart && part.multipartBoundary != null && nestable) {
            boundaries.add(new Boundary(part.multipartBoundary.getBytes(StandardCharsets.ISO_8859_1), part));
            return null;
        }
        if (part.rfc822 && nestable) {
            MimePart child = new MimePart(part, part.headerEnd, part.depth + 1);
            part.children.add(child);
            parts++;
            return child;
        }
        if (!nestable) {
            // Too deep or too many parts: an opaque leaf, reported with its own type but not split.
            part.multipart = false;
            part.rfc822 = false;
        }
        return null;
    }

    /** The first delimiter line at or after {@code from} (a line start), or null: the body runs to the end. */
    private Delimiter findDelimiter(int from) {
        if (boundaries.isEmpty()) {
            return null;
        }
        Delimiter d = delimiterAt(from, from);
        if (d != null) {
            return d;
        }
        for (int lf = HeaderField.indexOf(m, (byte) '\n', from, m.length); lf >= 0;
             lf = HeaderField.indexOf(m, (byte) '\n', lf + 1, m.length)) {
            int partEnd = lf - 1 >= from && m[lf - 1] == '\r' ? lf - 1 : lf;
            d = delimiterAt(lf + 1, partEnd);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    private Delimiter delimiterAt(int line, int partEnd) {
        return delimiterAt(line, partEnd, null);
    }

    /** A delimiter of an enclosing multipart at {@code line}; null also when {@code own} matches best. */
    private Delimiter delimiterAt(int line, int partEnd, Boundary own) {
        if (boundaries.isEmpty() || line + 2 > m.length || m[line] != '-' || m[line + 1] != '-') {
            return null;
        }
        Boundary best = own != null && regionEquals(line + 2, own.text()) ? own : null;
        for (int i = boundaries.size() - 1; i >= 0; i--) {
            Boundary b = boundaries.get(i);
            if (regionEquals(line + 2, b.text()) && (best == null || best.text().length < b.text().length)) {
                best = b;
            }
        }
        if (best == null || best == own) {
            return null;
        }
        int after = line + 2 + best.text().length;
        boolean close = after + 2 <= m.length && m[after] == '-' && m[after + 1] == '-';
        return new Delimiter(best, partEnd, line, close);
    }

    private boolean regionEquals(int at, byte[] text) {
        if (at + text.length > m.length) {
            return false;
        }
        for (int i = 0; i < text.length; i++) {
            if (m[at + i] != text[i]) {
                return false;
            }
        }
        return true;
    }
}
