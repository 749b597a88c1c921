package org.mailseal.pop3.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixtures themselves: a message APPENDed over IMAP comes back byte for byte from POP3 RETR, and
 * {@code src/test/fetchmail/fetch.sh} retrieves it with fetchmail into an mbox.
 */
class ThrowawayDovecotTest {
    private static final byte[] MESSAGE = ("From: sender@example.org\r\nTo: pop@example.org\r\nSubject: fixture\r\n"
            + "Message-ID: <fixture@example.org>\r\n\r\nfirst line\r\n.a line that POP3 dot-stuffs\r\n"
            + "From the start of a line\r\nlast\r\n").getBytes(StandardCharsets.US_ASCII);

    private static ThrowawayDovecot dovecot;

    @BeforeAll
    static void startDovecot() throws Exception {
        assumeTrue(ThrowawayDovecot.installed(), "dovecot is not installed");
        dovecot = ThrowawayDovecot.start("dovecot-pop3",
                List.of("pop@example.org:poppw", "fetch@example.org:fetch\"pw"));
    }

    @AfterAll
    static void stopDovecot() throws IOException {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @Test
    void messageAppendedOverImapIsRetrievedOverPop3() throws Exception {
        assertThat(dovecot.imapPort()).isLessThan(32768).isNotEqualTo(dovecot.pop3Port());
        assertThat(dovecot.pop3Port()).isLessThan(32768);
        append("pop@example.org", "poppw");
        try (Wire pop3 = new Wire(dovecot.pop3Port())) {
            assertThat(pop3.line()).startsWith("+OK");
            pop3.send("USER pop@example.org\r\n");
            assertThat(pop3.line()).startsWith("+OK");
            pop3.send("PASS poppw\r\n");
            assertThat(pop3.line()).startsWith("+OK");
            pop3.send("LIST 1\r\n");
            assertThat(pop3.line()).isEqualTo("+OK 1 " + MESSAGE.length);
            pop3.send("RETR 1\r\n");
            assertThat(pop3.line()).startsWith("+OK");
            assertThat(pop3.multiLineBody()).isEqualTo(MESSAGE);
            pop3.send("QUIT\r\n");
            assertThat(pop3.line()).startsWith("+OK");
        }
    }

    @Test
    void fetchScriptDeliversIntoAnMboxAndDeletes(@TempDir Path dir) throws Exception {
        assumeTrue(Fetchmail.installed(), "fetchmail is not installed");
        append("fetch@example.org", "fetch\"pw");
        Path mbox = dir.resolve("out.mbox");

        assertThat(fetch("fetch@example.org", "fetch\"pw", mbox)).isZero();
        // LF line ends (fetchmail strips CR for an MDA), no dot-stuffing, mboxrd quoting of "From ".
        assertThat(Files.readString(mbox, StandardCharsets.US_ASCII)).isEqualTo(
                "From fetchmail  Thu Jan  1 00:00:00 1970\n"
                        + new String(MESSAGE, StandardCharsets.US_ASCII).replace("\r\n", "\n")
                                .replace("\nFrom the", "\n>From the")
                        + "\n");
        assertThat(fetch("fetch@example.org", "fetch\"pw", mbox)).as("1: no mail left").isEqualTo(1);
        assertThat(fetch("fetch@example.org", "wrong", mbox)).as("3: authentication failed").isEqualTo(3);
    }

    private static int fetch(String user, String password, Path mbox) throws Exception {
        return Fetchmail.fetch(dovecot.pop3Port(), user, password, mbox).status();
    }

    private static void append(String user, String password) throws IOException {
        try (Wire imap = new Wire(dovecot.imapPort())) {
            assertThat(imap.line()).startsWith("* OK");
            imap.send("a LOGIN " + user + " \"" + password.replace("\"", "\\\"") + "\"\r\n");
            assertThat(imap.line()).startsWith("a OK");
            imap.send("b APPEND INBOX {" + MESSAGE.length + "}\r\n");
            assertThat(imap.line()).startsWith("+");
            imap.out.write(MESSAGE);
            imap.send("\r\n");
            assertThat(imap.line()).startsWith("b OK");
            imap.send("c LOGOUT\r\n");
        }
    }

    /** Just enough of a line-based client for both protocols. */
    private static final class Wire implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        final OutputStream out;

        Wire(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** One line including its CRLF. */
        byte[] rawLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int previous = -1;
            for (int b; (b = in.read()) != -1; previous = b) {
                line.write(b);
                if (previous == '\r' && b == '\n') {
                    return line.toByteArray();
                }
            }
            throw new IOException("connection closed inside a line: " + line);
        }

        String line() throws IOException {
            String line = new String(rawLine(), StandardCharsets.US_ASCII);
            return line.substring(0, line.length() - 2);
        }

        /** A POP3 multi-line response after its status line, un-stuffed, without the terminating ".". */
        byte[] multiLineBody() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (byte[] line = rawLine(); !(line.length == 3 && line[0] == '.'); line = rawLine()) {
                int stuffed = line[0] == '.' ? 1 : 0;
                body.write(line, stuffed, line.length - stuffed);
            }
            return body.toByteArray();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
