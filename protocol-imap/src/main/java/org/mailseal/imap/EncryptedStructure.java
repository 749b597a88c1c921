package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Tells from a BODYSTRUCTURE whether a message is one the proxy decrypts: a top-level multipart/encrypted with
 * protocol "application/pgp-encrypted" (RFC 3156 §4), or a top-level application/pkcs7-mime (or x-pkcs7-mime) that is
 * enveloped-data or authEnveloped-data, or has no smime-type and the name smime.p7m (RFC 8551 §3.2). Nothing nested
 * counts (DESIGN.md: only whole messages are decrypted).
 */
final class EncryptedStructure {
    /** A folded header line's CRLF and leading white space (RFC 5322 §2.2.3), undone once a message. */
    private static final java.util.regex.Pattern FOLDING = java.util.regex.Pattern.compile("\r\n[ \t]");

    private EncryptedStructure() {}

    static boolean isEncrypted(ByteBuf bodyStructure) {
        try {
            ImapReader in = new ImapReader(bodyStructure);
            in.expect('(');
            if (in.peek() == '(') {
                while (in.peek() == '(') {
                    in.skipValue();
                    in.accept(' ');
                }
                String subtype = lower(in.nstring());
                in.space();
                Map<String, String> parameters = parameters(in);
                return subtype.equals("encrypted") && "application/pgp-encrypted".equals(parameters.get("protocol"));
            }
            String type = lower(in.nstring());
            in.space();
            String subtype = lower(in.nstring());
            in.space();
            Map<String, String> parameters = parameters(in);
            if (!type.equals("application") || !(subtype.equals("pkcs7-mime") || subtype.equals("x-pkcs7-mime"))) {
                return false;
            }
            String smimeType = parameters.get("smime-type");
            return smimeType == null ? "smime.p7m".equals(parameters.get("name"))
                    : smimeType.equals("enveloped-data") || smimeType.equals("authenveloped-data");
        } catch (ImapSyntaxException e) {
            return false; // not a structure we understand: pass the message through
        }
    }

    /**
     * The same verdict from a whole message as a FETCH returns it (a quoted string or literal): from its top-level
     * Content-Type field, found in the header section (at most 256 KiB of it is looked at).
     */
    static boolean isEncryptedMessage(ByteBuf value) {
        String header;
        try {
            ImapReader in = new ImapReader(value);
            int first = in.peek();
            if (first == '{' || first == '~') {
                int[] range = in.literalRange(); // looked at in place: the message is not copied
                int scanEnd = Math.min(range[1], range[0] + (256 << 10));
                int end = range[0];
                while (end < scanEnd) { // up to the blank line that ends the header section
                    int lf = value.indexOf(end, scanEnd, (byte) '\n');
                    end = lf < 0 ? scanEnd : lf + 1;
                    if (lf < 0 || (end + 1 < scanEnd && value.getByte(end) == '\r' && value.getByte(end + 1) == '\n')) {
                        break;
                    }
                }
                header = value.toString(range[0], end - range[0], StandardCharsets.ISO_8859_1);
            } else {
                byte[] message = in.nstring();
                if (message == null) {
                    return false;
                }
                header = new String(message, 0, Math.min(message.length, 256 << 10), StandardCharsets.ISO_8859_1);
            }
        } catch (ImapSyntaxException e) {
            return false;
        }
        int end = header.indexOf("\r\n\r\n");
        if (end >= 0) {
            header = header.substring(0, end + 2);
        }
        String contentType = null;
        for (String field : FOLDING.matcher(header).replaceAll(" ").split("\r\n")) {
            if (field.regionMatches(true, 0, "Content-Type:", 0, 13)) {
                contentType = field; // RFC 2045: one per entity; the last wins, as mime4j would have it
            }
        }
        if (contentType == null) {
            return false;
        }
        var parsed = org.apache.james.mime4j.field.Fields.contentType(contentType.substring(13).trim());
        String mimeType = parsed.getMimeType();
        if (mimeType.equals("multipart/encrypted")) {
            return "application/pgp-encrypted".equalsIgnoreCase(parsed.getParameter("protocol"));
        }
        if (!mimeType.equals("application/pkcs7-mime") && !mimeType.equals("application/x-pkcs7-mime")) {
            return false;
        }
        String smimeType = parsed.getParameter("smime-type");
        return smimeType == null ? "smime.p7m".equalsIgnoreCase(parsed.getParameter("name"))
                : smimeType.equalsIgnoreCase("enveloped-data") || smimeType.equalsIgnoreCase("authenveloped-data");
    }

    private static Map<String, String> parameters(ImapReader in) {
        Map<String, String> parameters = new HashMap<>();
        if (!in.accept('(')) {
            in.nstring(); // NIL
            return parameters;
        }
        while (!in.accept(')')) {
            String name = lower(in.string());
            in.space();
            parameters.put(name, lower(in.string()));
            in.accept(' ');
        }
        return parameters;
    }

    private static String lower(byte[] value) {
        return value == null ? "" : new String(value, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    }
}
