package org.mailseal.crypto.testing;

import java.nio.charset.StandardCharsets;

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
}
