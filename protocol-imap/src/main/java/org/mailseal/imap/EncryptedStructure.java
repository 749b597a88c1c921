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
