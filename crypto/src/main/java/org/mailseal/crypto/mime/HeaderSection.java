package org.mailseal.crypto.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mailseal.crypto.LimitExceededException;

/**
 * The header section of a message or MIME entity, split into raw fields, and the first bytes of the body if the
 * header ended without an empty line. Reads from a stream whose line endings are already CRLF, stopping exactly
 * after the empty line, so the caller goes on reading the body from the same stream.
 */
public final class HeaderSection {
    private static final byte[] CRLF = {'\r', '\n'};
    /** Most fields in one header section: far more than real mail has, few enough to bound the work. */
    public static final int MAX_FIELDS = 10_000;

    private final List<HeaderField> fields;
    private final byte[] bodyPrefix;

    public HeaderSection(List<HeaderField> fields) {
        this(fields, new byte[0]);
    }

    private HeaderSection(List<HeaderField> fields, byte[] bodyPrefix) {
        this.fields = List.copyOf(fields);
        this.bodyPrefix = bodyPrefix;
    }

    /**
     * Reads a header section. A line that is neither a field nor a continuation ends the header (as most mail
     * software treats it) and is returned as {@link #bodyPrefix()}.
     */
    public static HeaderSection read(InputStream in, int maxBytes) throws IOException {
        List<HeaderField> fields = new ArrayList<>();
        ByteArrayOutputStream current = null;
        String currentName = null;
        long total = 0;
        while (true) {
            byte[] line = readLine(in, maxBytes);
            if (line == null) {
                break; // end of input: a message that is all header
            }
            total += line.length;
            if (total > maxBytes) {
                throw new LimitExceededException("header section larger than " + maxBytes + " bytes");
            }
            boolean blank = line.length == 2 && line[0] == '\r';
            boolean continuation = line.length > 0 && (line[0] == ' ' || line[0] == '\t');
            if (continuation && current != null) {
                current.write(line);
                continue;
            }
            if (current != null) {
                fields.add(new HeaderField(currentName, current.toByteArray()));
                current = null;
            }
            if (blank) {
                return new HeaderSection(fields);
            }
            String name = fieldName(line);
            if (name == null) {
                return new HeaderSection(fields, line);
            }
            if (fields.size() >= MAX_FIELDS) {
                throw new LimitExceededException("more than " + MAX_FIELDS + " header fields in a MIME part");
            }
            current = new ByteArrayOutputStream(line.length + 16);
            current.write(line);
            currentName = name;
        }
        if (current != null) {
            fields.add(new HeaderField(currentName, current.toByteArray()));
        }
        return new HeaderSection(fields);
    }

    /** Reads one line including its CRLF (or up to end of input); null at end of input. */
    private static byte[] readLine(InputStream in, int maxBytes) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(80);
        int previous = -1;
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n' && previous == '\r') {
                return line.toByteArray();
            }
            if (line.size() > maxBytes) {
                throw new LimitExceededException("MIME header field larger than " + maxBytes + " bytes");
            }
            previous = b;
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    private static String fieldName(byte[] line) {
        for (int i = 0; i < line.length; i++) {
            byte c = line[i];
            if (c == ':') {
                return i == 0 ? null : new String(line, 0, i, StandardCharsets.US_ASCII);
            }
            if (c <= ' ' || c >= 127) {
                return null; // RFC 5322 §3.6.8: printable US-ASCII except colon
            }
        }
        return null;
    }

    static boolean isFieldName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || c == ':') {
                return false;
            }
        }
        return true;
    }

    static boolean isSafeValue(String value) {
        return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 && value.indexOf('\0') < 0;
    }

    public List<HeaderField> fields() {
        return fields;
    }

    /** Body bytes that were read while looking for the end of the header. */
    public byte[] bodyPrefix() {
        return bodyPrefix.clone();
    }

    public Optional<HeaderField> first(String name) {
        return fields.stream().filter(f -> f.is(name)).findFirst();
    }

    public Optional<String> value(String name) {
        return first(name).map(HeaderField::value);
    }

    public boolean has(String name) {
        return first(name).isPresent();
    }

    /** The declared content type, or the RFC 2045 §5.2 default. */
    public ContentType contentType() {
        return value("Content-Type").map(ContentType::parse).orElse(ContentType.DEFAULT);
    }

    /** Writes the fields and the empty line that ends the header section. */
    public void writeTo(OutputStream out) throws IOException {
        for (HeaderField field : fields) {
            out.write(field.raw());
        }
        out.write(CRLF);
    }

    public byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }
}
