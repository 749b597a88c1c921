package org.mailseal.pop3;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.Fields;

/**
 * Tells from a message's top-level Content-Type field whether it is one the proxy decrypts: multipart/encrypted with
 * protocol "application/pgp-encrypted" (RFC 3156 §4), or application/pkcs7-mime (or x-pkcs7-mime) that is
 * enveloped-data or authEnveloped-data, or has no smime-type and the name smime.p7m (RFC 8551 §3.2). Nothing nested
 * counts (DESIGN.md: only whole messages are decrypted). At most 256 KiB of header section is looked at.
 */
final class EncryptedHeader {
    private static final int MAX_HEADER = 256 << 10;
    /** A folded header line's CRLF and leading white space (RFC 5322 §2.2.3). */
    private static final Pattern FOLDING = Pattern.compile("\r\n[ \t]");

    private EncryptedHeader() {}

    /** @param message the message, or a dot-stuffed multi-line body holding it (no header field starts with ".") */
    static boolean isEncrypted(ByteBuf message) {
        int start = message.readerIndex();
        int limit = Math.min(message.writerIndex(), start + MAX_HEADER);
        int end = start;
        while (end < limit) { // up to the blank line that ends the header section
            int lf = message.indexOf(end, limit, (byte) '\n');
            end = lf < 0 ? limit : lf + 1;
            if (lf < 0 || (end + 1 < limit && message.getByte(end) == '\r' && message.getByte(end + 1) == '\n')) {
                break;
            }
        }
        String header = message.toString(start, end - start, StandardCharsets.ISO_8859_1);
        String contentType = null;
        for (String field : FOLDING.matcher(header).replaceAll(" ").split("\r\n")) {
            if (field.regionMatches(true, 0, "Content-Type:", 0, 13)) {
                contentType = field; // RFC 2045: one per entity; the last wins, as mime4j would have it
            }
        }
        if (contentType == null) {
            return false;
        }
        ContentTypeField parsed = Fields.contentType(contentType.substring(13).trim());
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
}
