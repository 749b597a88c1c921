package org.mailseal.crypto.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * PGP/MIME (RFC 3156 §4) for tests: parse one (with mime4j, independently of mailseal's reader) to take the armored
 * message out, or wrap an armored message into one.
 */
public final class PgpMime {
    private PgpMime() {}

    /** A direct child of the top-level multipart: its content type and decoded body (empty for a multipart). */
    public record Part(String mimeType, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.US_ASCII);
        }
    }

    /**
     * The top level of a message.
     *
     * @param mimeType   the top-level media type, lower case
     * @param parameters its Content-Type parameters, names lower case
     * @param parts      the direct children when it is a multipart
     */
    public record Structure(String mimeType, Map<String, String> parameters, List<Part> parts) {}

    public static Structure parse(byte[] message) throws IOException {
        MimeTokenStream tokens = new MimeTokenStream(MimeConfig.PERMISSIVE);
        tokens.parse(new ByteArrayInputStream(message));
        String mimeType = null;
        Map<String, String> parameters = new LinkedHashMap<>();
        List<Part> parts = new ArrayList<>();
        int depth = 0;
        try {
            for (EntityState state = tokens.getState(); state != EntityState.T_END_OF_STREAM; state = tokens.next()) {
                switch (state) {
                    case T_FIELD -> {
                        if (depth == 0 && tokens.getField().getName().equalsIgnoreCase("Content-Type")) {
                            RawBody body = RawFieldParser.DEFAULT.parseRawBody(
                                    RawFieldParser.DEFAULT.parseField(tokens.getField().getRaw()));
                            for (NameValuePair pair : body.getParams()) {
                                parameters.put(pair.getName().toLowerCase(Locale.ROOT), pair.getValue());
                            }
                        }
                    }
                    case T_START_MULTIPART -> {
                        if (mimeType == null) {
                            mimeType = tokens.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT);
                        } else if (depth == 1) {
                            parts.add(new Part(tokens.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT),
                                    new byte[0]));
                        }
                        depth++;
                    }
                    case T_END_MULTIPART -> depth--;
                    case T_BODY -> {
                        if (mimeType == null) {
                            mimeType = tokens.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT);
                        }
                        if (depth == 1) {
                            parts.add(new Part(tokens.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT),
                                    tokens.getDecodedInputStream().readAllBytes()));
                        }
                    }
                    default -> { }
                }
            }
        } catch (MimeException e) {
            throw new IOException(e);
        }
        return new Structure(mimeType, parameters, parts);
    }

    /**
     * The ASCII-armored OpenPGP message of a PGP/MIME message, after checking the RFC 3156 §4 structure: a
     * {@code multipart/encrypted; protocol="application/pgp-encrypted"} with exactly two parts, the version part
     * ({@code Version: 1}) and the {@code application/octet-stream} holding the armored message.
     */
    public static byte[] armoredMessage(byte[] pgpMime) throws IOException {
        Structure structure = parse(pgpMime);
        if (!structure.mimeType().equals("multipart/encrypted")
                || !"application/pgp-encrypted".equalsIgnoreCase(structure.parameters().get("protocol"))
                || structure.parts().size() != 2
                || !structure.parts().get(0).mimeType().equals("application/pgp-encrypted")
                || !structure.parts().get(0).text().strip().equals("Version: 1")
                || !structure.parts().get(1).mimeType().equals("application/octet-stream")) {
            throw new IllegalArgumentException("not an RFC 3156 PGP/MIME message: " + structure);
        }
        String armored = structure.parts().get(1).text();
        int begin = armored.indexOf("-----BEGIN PGP MESSAGE-----");
        String end = "-----END PGP MESSAGE-----";
        int last = armored.indexOf(end);
        if (begin < 0 || last < begin) {
            throw new IllegalArgumentException("no armored OpenPGP message in the encrypted part");
        }
        return (armored.substring(begin, last + end.length()) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Wraps an armored OpenPGP message as RFC 3156 §4 PGP/MIME under the given header fields (each line ending in
     * CRLF; MIME-Version and Content-Type are added).
     */
    public static byte[] wrap(String headerFields, byte[] armored) {
        String boundary = "=-interop-boundary-7f3a";
        String armoredText = new String(armored, StandardCharsets.US_ASCII).replace("\r\n", "\n").replace("\n", "\r\n");
        String message = headerFields
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
                + " boundary=\"" + boundary + "\"\r\n"
                + "\r\n"
                + "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: application/pgp-encrypted\r\n"
                + "Content-Description: PGP/MIME version identification\r\n"
                + "\r\n"
                + "Version: 1\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                + "Content-Description: OpenPGP encrypted message\r\n"
                + "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
                + "\r\n"
                + armoredText
                + (armoredText.endsWith("\r\n") ? "" : "\r\n")
                + "\r\n"
                + "--" + boundary + "--\r\n";
        return message.getBytes(StandardCharsets.US_ASCII);
    }
}
