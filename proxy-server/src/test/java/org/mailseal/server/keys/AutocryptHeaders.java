package org.mailseal.server.keys;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import org.mailseal.crypto.mime.HeaderSection;

/** Autocrypt header fields and message headers for tests. */
public final class AutocryptHeaders {
    private AutocryptHeaders() {}

    /** {@code Autocrypt: <attributes>keydata=<base64>}, the Base64 folded into lines as mail programs send it. */
    public static String field(String attributes, byte[] keydata) {
        String base64 = Base64.getEncoder().encodeToString(keydata);
        StringBuilder folded = new StringBuilder();
        for (int i = 0; i < base64.length(); i += 72) {
            folded.append("\r\n ").append(base64, i, Math.min(base64.length(), i + 72));
        }
        return "Autocrypt: " + attributes + "keydata=" + folded + "\r\n";
    }

    /** An RFC 5322 Date field for an instant. */
    public static String date(Instant instant) {
        return "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atZone(ZoneOffset.UTC)) + "\r\n";
    }

    public static HeaderSection header(String fields) throws IOException {
        return HeaderSection.read(new ByteArrayInputStream((fields + "\r\n").getBytes(StandardCharsets.UTF_8)), 1 << 20);
    }
}
