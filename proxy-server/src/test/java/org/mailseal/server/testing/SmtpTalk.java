package org.mailseal.server.testing;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * One SMTP transaction spoken by hand to a listener on loopback, and what the upstream GreenMail received: for
 * tests that start mailseal from a configuration and watch mail go through it.
 */
public final class SmtpTalk {
    private SmtpTalk() {}

    /** A loopback port free now (for a configuration, which cannot say "any port"). */
    public static int freePort() {
        return Ports.free();
    }

    /**
     * EHLO, AUTH PLAIN when {@code login} is given (user and password), MAIL, RCPT and, when the RCPT is accepted,
     * DATA with the message (lines ending CRLF, no final dot). The replies to MAIL, RCPT and the end of the data.
     */
    public static List<String> send(int port, String[] login, String from, String recipient, String message)
            throws Exception {
        List<String> replies = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            reply(in);
            command(out, in, "EHLO client.example");
            if (login != null) {
                String plain = Base64.getEncoder().encodeToString(("\0" + login[0] + "\0" + login[1])
                        .getBytes(StandardCharsets.UTF_8));
                String authenticated = command(out, in, "AUTH PLAIN " + plain);
                if (!authenticated.startsWith("235")) {
                    throw new AssertionError("AUTH refused: " + authenticated);
                }
            }
            replies.add(command(out, in, "MAIL FROM:<" + from + ">"));
            replies.add(command(out, in, "RCPT TO:<" + recipient + ">"));
            if (replies.get(1).startsWith("250")) {
                String go = command(out, in, "DATA");
                if (!go.startsWith("354")) {
                    throw new AssertionError("DATA refused: " + go);
                }
                out.write((message + ".\r\n").getBytes(StandardCharsets.UTF_8));
                replies.add(reply(in));
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return replies;
    }

    private static String command(OutputStream out, BufferedReader in, String command) throws Exception {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return reply(in);
    }

    /** The last line of a reply (multi-line replies have '-' after the code). */
    public static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** Waits until the mail server holds {@code count} messages for the recipient, and returns them as received. */
    public static List<MimeMessage> received(GreenMail mta, String recipient, int count) {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<MimeMessage> found = new ArrayList<>();
            for (MimeMessage message : mta.getReceivedMessages()) {
                for (Address to : message.getAllRecipients()) {
                    if (to.toString().equals(recipient)) {
                        found.add(message);
                    }
                }
            }
            return found;
        }, found -> found.size() >= count);
    }

    /** The message's bytes as the mail server holds them. */
    public static byte[] raw(MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }
}
