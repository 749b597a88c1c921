package org.mailseal.crypto.mime;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One header field exactly as it was read: name, colon, value, any folding, and the final CRLF.
 *
 * @param name the field name as written
 * @param raw  the whole field, ending in CRLF
 */
public record HeaderField(String name, byte[] raw) {

    /** A field made of a name and an unfolded value. The value must not contain CR, LF or NUL. */
    public static HeaderField of(String name, String value) {
        if (!HeaderSection.isSafeValue(value) || !HeaderSection.isFieldName(name)) {
            throw new IllegalArgumentException("header field must not contain CR, LF or NUL: " + name);
        }
        return new HeaderField(name, (name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Whether this field has the given name (case-insensitive, RFC 5322 §1.2.2). */
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }

    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }

    /** The value with folding removed and surrounding white space trimmed. */
    public String value() {
        String text = new String(raw, StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        return text.substring(colon + 1).replaceAll("\r\n[ \t]", " ").replace("\r\n", "").trim();
    }
}
