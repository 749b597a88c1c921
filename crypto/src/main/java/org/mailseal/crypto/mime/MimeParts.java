package org.mailseal.crypto.mime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.LimitExceededException;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.Bytes;

/**
 * MIME structure of a message held in memory (RFC 2045, RFC 2046 §5.1.1), found without copying: entities are
 * ranges of the array, searched eight bytes at a time ({@link Bytes}). Every walk is bounded by
 * {@link CryptoLimits}: depth, part count, header size.
 */
public final class MimeParts {
    private static final byte[] DASHES = {'-', '-'};

    private final byte[] data;
    private final int length;
    private final CryptoLimits limits;

    /** An entity: its header and where its body lies in the array. */
    public record Entity(HeaderSection header, int start, int bodyStart, int end) {
        public ContentType contentType() {
            return header.contentType();
        }

        public String transferEncoding() {
            return header.value("Content-Transfer-Encoding").orElse("7bit").trim().toLowerCase(Locale.ROOT);
        }
    }

    public MimeParts(byte[] data, int length, CryptoLimits limits) {
        this.data = data;
        this.length = length;
        this.limits = limits;
    }

    public byte[] data() {
        return data;
    }

    public int length() {
        return length;
    }

    /** The entity whose header starts at {@code start} and which ends at {@code end}. */
    public Entity entity(int start, int end) throws IOException {
        BoundedInputStream in = new BoundedInputStream(
                new java.io.ByteArrayInputStream(data, start, end - start), Long.MAX_VALUE, "entity");
        HeaderSection header = HeaderSection.read(in, limits.maxHeaderBytes());
        int bodyStart = (int) (start + in.count() - header.bodyPrefix().length);
        return new Entity(header, start, bodyStart, end);
    }

    /**
     * The entity's body with its Content-Transfer-Encoding (RFC 2045 §6) undone, or null for the identity
     * encodings (7bit, 8bit, binary), whose body can be read in place.
     */
    public byte[] transferDecoded(Entity entity) throws IOException {
        int length = entity.end() - entity.bodyStart();
        switch (entity.transferEncoding()) {
            case "base64" -> {
                try {
                    java.nio.ByteBuffer decoded = java.util.Base64.getMimeDecoder()
                            .decode(java.nio.ByteBuffer.wrap(data, entity.bodyStart(), length));
                    return java.util.Arrays.copyOfRange(decoded.array(), decoded.position(), decoded.limit());
                } catch (IllegalArgumentException e) {
                    throw new IOException("invalid base64", e);
                }
            }
            case "quoted-printable" -> {
                return new org.apache.james.mime4j.codec.QuotedPrintableInputStream(
                        new java.io.ByteArrayInputStream(data, entity.bodyStart(), length)).readAllBytes();
            }
            default -> {
                return null;
            }
        }
    }

    /** The whole message as an entity. */
    public Entity message() throws IOException {
        return entity(0, length);
    }

    /**
     * The direct children of a multipart entity, in order; empty if it is not multipart or has no boundary. A
     * missing close delimiter ends the last part at the end of the entity, as most readers do.
     */
    public List<Entity> children(Entity multipart) throws IOException {
        ContentType type = multipart.contentType();
        String boundary = type.parameter("boundary").orElse(null);
        if (!type.isMultipart() || boundary == null || boundary.isEmpty()) {
            return List.of();
        }
        byte[] dashBoundary = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Entity> parts = new ArrayList<>();
        int end = multipart.end();
        int delimiter = findDelimiter(dashBoundary, multipart.bodyStart(), multipart.bodyStart(), end);
        while (delimiter >= 0) {
            int afterDashes = delimiter + dashBoundary.length;
            if (afterDashes + 2 <= end && Bytes.regionMatches(data, afterDashes, DASHES)) {
                break; // close delimiter
            }
            int partStart = lineEnd(afterDashes, end);
            int next = findDelimiter(dashBoundary, partStart, multipart.bodyStart(), end);
            int partEnd = next < 0 ? end : Math.max(partStart, next - 2); // the CRLF before belongs to the delimiter
            if (parts.size() >= limits.maxMimeParts()) {
                throw new LimitExceededException("more than " + limits.maxMimeParts() + " MIME parts");
            }
            parts.add(entity(partStart, partEnd));
            delimiter = next;
        }
        return parts;
    }

    /**
     * Position of the next delimiter line ("--boundary" at a line start, then "--" or white space and CRLF)
     * at or after {@code from}; -1 if none before {@code end}.
     */
    private int findDelimiter(byte[] dashBoundary, int from, int bodyStart, int end) {
        if (from == bodyStart && Bytes.regionMatches(data, from, dashBoundary)
                && isDelimiterTail(from + dashBoundary.length, end)) {
            return from; // a delimiter at the very start of the body has no CRLF before it
        }
        // Search for the boundary itself, which is rare in the data, and check the CRLF before it.
        int search = Math.max(from, bodyStart + 2);
        while (true) {
            int candidate = Bytes.indexOf(data, search, end, dashBoundary);
            if (candidate < 0) {
                return -1;
            }
            if (data[candidate - 2] == '\r' && data[candidate - 1] == '\n'
                    && isDelimiterTail(candidate + dashBoundary.length, end)) {
                return candidate;
            }
            search = candidate + 1;
        }
    }

    private boolean isDelimiterTail(int pos, int end) {
        if (pos >= end || (pos + 2 <= end && Bytes.regionMatches(data, pos, DASHES))) {
            return true;
        }
        while (pos < end && (data[pos] == ' ' || data[pos] == '\t')) {
            pos++; // transport padding, RFC 2046 §5.1.1
        }
        return pos >= end || (pos + 1 < end && data[pos] == '\r' && data[pos + 1] == '\n');
    }

    private int lineEnd(int from, int end) {
        int lf = Bytes.indexOf(data, from, end, (byte) '\n');
        return lf < 0 ? end : lf + 1;
    }

    /**
     * Walks the whole structure (multiparts and {@code message/*} parts in identity encodings) without recursion,
     * failing when it nests deeper or has more parts than the limits allow.
     */
    public void checkStructure() throws IOException {
        record Pending(Entity entity, int depth) {}
        Deque<Pending> stack = new ArrayDeque<>();
        stack.push(new Pending(message(), 0)); // the root is not nested
        int parts = 0;
        while (!stack.isEmpty()) {
            Pending current = stack.pop();
            if (current.depth() > limits.maxMimeDepth()) {
                throw new LimitExceededException("MIME nesting deeper than " + limits.maxMimeDepth());
            }
            ContentType type = current.entity().contentType();
            if (type.isMultipart()) {
                List<Entity> children = children(current.entity());
                parts += children.size();
                if (parts > limits.maxMimeParts()) {
                    throw new LimitExceededException("more than " + limits.maxMimeParts() + " MIME parts");
                }
                for (int i = children.size() - 1; i >= 0; i--) {
                    stack.push(new Pending(children.get(i), current.depth() + 1));
                }
            } else if (type.type().equals("message") && isIdentity(current.entity().transferEncoding())) {
                Entity inner = entity(current.entity().bodyStart(), current.entity().end());
                stack.push(new Pending(inner, current.depth() + 1));
            }
        }
    }

    private static boolean isIdentity(String encoding) {
        return encoding.equals("7bit") || encoding.equals("8bit") || encoding.equals("binary");
    }
}
