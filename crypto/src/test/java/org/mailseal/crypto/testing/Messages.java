package org.mailseal.crypto.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Sample messages. */
public final class Messages {
    private Messages() {}

    public static byte[] simple(String subject, String body) {
        return ("From: Alice <alice@example.org>\r\n"
                + "To: Bob <bob@example.org>\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <test-1@example.org>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + body).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] withAttachment(String subject, byte[] attachment) {
        String encoded = java.util.Base64.getMimeEncoder().encodeToString(attachment);
        return ("From: alice@example.org\r\n"
                + "To: bob@example.org, carol@example.org\r\n"
                + "Subject: " + subject + "\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                + "\r\n"
                + "--b1\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Grüße, see the attachment.\r\n"
                + "--b1\r\n"
                + "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                + "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "\r\n"
                + encoded + "\r\n"
                + "--b1--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A text/plain message in ISO-8859-1 sent as 8bit: the body bytes are not valid UTF-8. */
    public static byte[] latin1(String subject, String body) {
        byte[] header = ("From: alice@example.org\r\n"
                + "To: bob@example.org\r\n"
                + "Subject: " + subject + "\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=iso-8859-1\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] text = body.getBytes(StandardCharsets.ISO_8859_1);
        byte[] message = Arrays.copyOf(header, header.length + text.length);
        System.arraycopy(text, 0, message, header.length, text.length);
        return message;
    }

    /** The header section of a message or entity, up to and without the empty line. */
    public static String header(byte[] message) {
        int end = bodyStart(message);
        return new String(message, 0, end - 2, StandardCharsets.UTF_8);
    }

    /** The body of a message or entity: everything after the first empty line (CRLF CRLF). */
    public static byte[] body(byte[] message) {
        return Arrays.copyOfRange(message, bodyStart(message), message.length);
    }

    private static int bodyStart(byte[] message) {
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                return i + 4;
            }
        }
        throw new IllegalArgumentException("no empty line after the header");
    }
}
