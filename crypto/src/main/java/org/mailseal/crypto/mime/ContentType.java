package org.mailseal.crypto.mime;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.util.ByteArrayBuffer;
import org.apache.james.mime4j.stream.ParserCursor;

/**
 * A parsed Content-Type value (RFC 2045 §5.1): type and subtype lower-cased, parameter names lower-cased,
 * parameter values as written.
 */
public record ContentType(String type, String subtype, Map<String, String> parameters) {

    /** RFC 2045 §5.2: what a body without Content-Type is. */
    public static final ContentType DEFAULT = new ContentType("text", "plain", Map.of("charset", "us-ascii"));

    public ContentType {
        parameters = Map.copyOf(parameters);
    }

    public static ContentType parse(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ByteArrayBuffer buffer = new ByteArrayBuffer(bytes, bytes.length, false);
        RawBody body = RawFieldParser.DEFAULT.parseRawBody(buffer, new ParserCursor(0, bytes.length));
        String mediaType = body.getValue() == null ? "" : body.getValue().trim().toLowerCase(Locale.ROOT);
        int slash = mediaType.indexOf('/');
        if (slash <= 0 || slash == mediaType.length() - 1) {
            return DEFAULT; // RFC 2045 §5.2: an unparseable type is treated as the default
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (NameValuePair pair : body.getParams()) {
            if (pair.getName() != null && pair.getValue() != null) {
                params.putIfAbsent(pair.getName().toLowerCase(Locale.ROOT), pair.getValue());
            }
        }
        return new ContentType(mediaType.substring(0, slash), mediaType.substring(slash + 1), params);
    }

    public String mimeType() {
        return type + "/" + subtype;
    }

    public boolean is(String mimeType) {
        return mimeType().equalsIgnoreCase(mimeType);
    }

    public Optional<String> parameter(String name) {
        return Optional.ofNullable(parameters.get(name.toLowerCase(Locale.ROOT)));
    }

    public boolean isMultipart() {
        return type.equals("multipart");
    }

}
