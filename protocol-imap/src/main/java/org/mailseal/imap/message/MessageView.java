package org.mailseal.imap.message;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A message parsed once for answering FETCH items from its octets alone; immutable and thread-safe.
 *
 * <p>Every value is what Dovecot 2.3 answers for the same message (checked by differential tests against a real
 * Dovecot), which on the points RFC 3501 leaves open is what clients are used to. Values are the exact wire bytes:
 * quoted strings where possible, literals where needed, NIL where absent.
 */
public final class MessageView {
    private final byte[] message;
    private final MimePart root;

    private MessageView(byte[] message, MimePart root) {
        this.message = message;
        this.root = root;
    }

    /**
     * Parses a message. Never throws on malformed MIME; answers what a lenient server would. Bare LF line ends are
     * read as CRLF, as a server stores and sends them (RFC 3501 §2.3.1 sizes count CRLF line ends).
     *
     * @param message  the message; kept by the view when its line ends are CRLF already, so the caller must not
     *                 change it afterwards
     * @param maxDepth nesting levels split into parts (0 to 1000); deeper multiparts and messages are opaque leaves
     * @param maxParts parts split in total (at least 1); beyond that the rest of a multipart is one opaque body
     */
    public static MessageView parse(byte[] message, int maxDepth, int maxParts) {
        if (message == null) {
            throw new NullPointerException("message");
        }
        if (maxDepth < 0 || maxDepth > 1000) {
            throw new IllegalArgumentException("maxDepth must be in 0..1000, was " + maxDepth);
        }
        if (maxParts < 1) {
            throw new IllegalArgumentException("maxParts must be at least 1, was " + maxParts);
        }
        byte[] crlf = toCrlf(message);
        return new MessageView(crlf, new MimeTreeParser(crlf, maxDepth, maxParts).parse());
    }

    /** RFC822.SIZE: octets. */
    public int size() {
        return message.length;
    }

    /** The value of BODYSTRUCTURE. */
    public byte[] bodyStructure() {
        StringBuilder out = new StringBuilder();
        BodyStructureWriter.write(out, message, root, true);
        return latin1(out);
    }

    /** The value of BODY (the non-extensible form). */
    public byte[] body() {
        StringBuilder out = new StringBuilder();
        BodyStructureWriter.write(out, message, root, false);
        return latin1(out);
    }

    /** The value of ENVELOPE. */
    public byte[] envelope() {
        StringBuilder out = new StringBuilder("(");
        root.envelope.write(out);
        return latin1(out.append(')'));
    }

    /**
     * The octets of {@code BODY[section]} before any partial, or null when the section does not exist (a part
     * number past the last part, or HEADER/TEXT/HEADER.FIELDS of a part that is not message/rfc822). Dovecot
     * answers such a section with an empty string ({@code {0}}), and so should the caller. NULs are sent as 0x80
     * (IMAP literals must not contain NUL, RFC 3501 §4.3), as Dovecot does.
     *
     * @param section the text between the brackets, keywords case-insensitive, e.g. {@code 1.2.MIME}
     * @throws IllegalArgumentException when {@code section} is not a valid section-spec (see {@link #parseSection})
     */
    public byte[] section(String section) {
        SectionSpec spec = parseSection(section);
        if (spec == null) {
            throw new IllegalArgumentException("not a section-spec");
        }
        return section(spec);
    }

    /** As {@link #section(String)}, for a parsed section. */
    public byte[] section(SectionSpec spec) {
        MimePart part = root;
        if (!spec.part().isEmpty()) {
            part = find(spec.part());
            if (part == null) {
                return null;
            }
            switch (spec.kind()) {
                case ALL:
                    return bytes(part.headerEnd, part.end);
                case MIME:
                    // For a message/rfc822 part this is its own MIME header, as Dovecot answers.
                    return bytes(part.start, part.headerEnd);
                default:
                    // HEADER, TEXT and HEADER.FIELDS address the message inside a message/rfc822 part.
                    if (!part.rfc822) {
                        return null;
                    }
                    part = part.message();
            }
        }
        return switch (spec.kind()) {
            case ALL -> bytes(0, message.length);
            case HEADER -> bytes(part.start, part.headerEnd);
            case TEXT -> bytes(part.headerEnd, part.end);
            case HEADER_FIELDS -> part == root
                    ? rootHeaderFields(spec.fields())
                    : filteredHeader(part, spec.fields(), true);
            case HEADER_FIELDS_NOT -> filteredHeader(part, spec.fields(), false);
            case MIME -> throw new IllegalStateException("MIME without a part number");
        };
    }

    /**
     * One part as SEARCH reads it (used by {@code org.mailseal.imap.search}): its header fields and, for a leaf, its
     * still transfer-encoded body with what is needed to decode it.
     *
     * @param header           the part's header fields in order; a value keeps its folding line ends and is null
     *                         for a line without a colon
     * @param text             Dovecot's text flag (a text/* Content-Type or none): the body is searchable text
     * @param leaf             neither a multipart nor a message/rfc822 part
     * @param charset          the Content-Type charset parameter, null when absent
     * @param transferEncoding the Content-Transfer-Encoding token, null when absent
     * @param body             the body octets (for a multipart: preamble, parts and epilogue)
     */
    public record SearchPart(List<Field> header, boolean text, boolean leaf, String charset, String transferEncoding,
                             byte[] body) {
    }

    /** A header field: its name and its raw value in ISO-8859-1 (null when the line has no colon). */
    public record Field(String name, String value) {
    }

    /** Every part, depth first, the message itself first; the parts of a message/rfc822 part follow it. */
    public List<SearchPart> searchParts() {
        List<SearchPart> parts = new java.util.ArrayList<>();
        java.util.ArrayDeque<MimePart> todo = new java.util.ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            MimePart p = todo.pop();
            List<Field> header = p.fields.stream().map(f -> new Field(f.name(), f.value())).toList();
            String charset = null;
            for (MimeParams.Param param : p.content.params()) {
                if (charset == null && param.name().equalsIgnoreCase("charset")) {
                    charset = param.value();
                }
            }
            boolean leaf = !p.multipart && !p.rfc822;
            parts.add(new SearchPart(header, p.text, leaf, charset, p.content.encoding(),
                    Arrays.copyOfRange(message, p.headerEnd, p.end)));
            for (int i = p.children.size() - 1; i >= 0; i--) {
                todo.push(p.children.get(i));
            }
        }
        return parts;
    }

    /** Parses a section-spec; null for a syntactically invalid one (the caller answers BAD). */
    public static SectionSpec parseSection(String section) {
        return SectionSpec.parse(section);
    }

    /**
     * RFC 3501 §6.4.5 part numbering, as Dovecot resolves it: "1" of a non-multipart part is the part itself, and
     * a path continues into a message/rfc822 part's encapsulated message.
     */
    private MimePart find(List<Integer> path) {
        MimePart part = root;
        for (int i = 0; i < path.size() && part != null; i++) {
            int num = path.get(i);
            boolean more = i + 1 < path.size();
            if (part.multipart) {
                part = num <= part.children.size() ? part.children.get(num - 1) : null;
            } else if (num != 1 || (more && !part.rfc822)) {
                part = null;
            }
            if (part != null && part.rfc822 && more) {
                part = part.message();
            }
        }
        return part;
    }

    /**
     * HEADER.FIELDS of the message: the named fields verbatim and in message order, then an empty line
     * (RFC 3501 §6.4.5), also when the header had none.
     */
    private byte[] rootHeaderFields(List<String> names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField f : root.fields) {
            if (named(f, names)) {
                out.writeBytes(bytes(f.start(), f.end()));
            }
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * HEADER.FIELDS.NOT, and HEADER.FIELDS of an encapsulated message, the way Dovecot filters the stream: the
     * header is re-read up to the first empty line or the end of the message (a delimiter does not stop it), and
     * the empty line is copied only when there is one.
     */
    private byte[] filteredHeader(MimePart part, List<String> names, boolean include) {
        int end = part.start;
        int eoh = -1;
        while (end < message.length) {
            if (message[end] == '\n' || (message[end] == '\r' && end + 1 < message.length
                                          && message[end + 1] == '\n')) {
                eoh = end;
                end += message[end] == '\n' ? 1 : 2;
                break;
            }
            int lf = HeaderField.indexOf(message, (byte) '\n', end, message.length);
            end = lf < 0 ? message.length : lf + 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField f : HeaderField.parse(message, part.start, end)) {
            if (named(f, names) == include) {
                out.writeBytes(bytes(f.start(), f.end()));
            }
        }
        if (eoh >= 0) {
            out.writeBytes(bytes(eoh, end));
        }
        return out.toByteArray();
    }

    private static boolean named(HeaderField f, List<String> names) {
        for (String n : names) {
            if (n.equalsIgnoreCase(f.name())) {
                return true;
            }
        }
        return false;
    }

    private byte[] bytes(int from, int to) {
        byte[] b = Arrays.copyOfRange(message, from, to);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                b[i] = (byte) 0x80;
            }
        }
        return b;
    }

    private static byte[] latin1(StringBuilder s) {
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] toCrlf(byte[] m) {
        int bare = 0;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) {
                bare++;
            }
        }
        if (bare == 0) {
            return m;
        }
        byte[] out = new byte[m.length + bare];
        int o = 0;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) {
                out[o++] = '\r';
            }
            out[o++] = m[i];
        }
        return out;
    }
}
