package org.mailseal.pop3;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** The SASL PLAIN message (RFC 4616): [authzid] NUL authcid NUL passwd, base64 on the wire (RFC 5034 §4). */
final class SaslPlain {
    /** What a client's response amounts to. */
    sealed interface Result {}

    /** Credentials to relay; the secret's bytes are the caller's to clear. */
    record Credentials(String user, byte[] secret) implements Result {}

    /** A response the session refuses, with the status text it answers. */
    record Refused(String status) implements Result {}

    private SaslPlain() {}

    static Result decode(String base64) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(base64.equals("=") ? "" : base64);
        } catch (IllegalArgumentException e) {
            return new Refused("-ERR Invalid base64");
        }
        try {
            int first = nul(decoded, 0);
            int second = first < 0 ? -1 : nul(decoded, first + 1);
            if (second < 0) {
                return new Refused("-ERR Invalid PLAIN response");
            }
            String authzid = new String(decoded, 0, first, StandardCharsets.UTF_8);
            String authcid = new String(decoded, first + 1, second - first - 1, StandardCharsets.UTF_8);
            if (!authzid.isEmpty() && !authzid.equals(authcid)) {
                // Acting as someone else would unlock the wrong key, and the upstream never hears of the authzid.
                return new Refused("-ERR [AUTH] Acting as another user is not allowed");
            }
            return new Credentials(authcid, Arrays.copyOfRange(decoded, second + 1, decoded.length));
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private static int nul(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
