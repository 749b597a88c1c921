package org.mailseal.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session and the upstream client over real sockets, with GreenMail as the MTA. */
class GreenMailRelayTest {
    private final GreenMail mta = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
    private RelayUnderTest relay;

    @BeforeEach
    void start() throws Exception {
        mta.start();
        mta.setUser("alice@example.org", "alice@example.org", "alice-pw");
        UpstreamConfig upstream = UpstreamConfig.plain("127.0.0.1", mta.getSmtp().getPort(), "mailseal.test")
                .withPlaintextAuth(true);
        SmtpSessionConfig config = SmtpSessionConfig.defaults(SmtpSessionConfig.Role.SUBMISSION, "mailseal.test", Set.of())
                .withAuthWithoutTls(true);
        relay = new RelayUnderTest(config, upstream);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        mta.stop();
    }

    /** A line-by-line SMTP client: writes what it is given, reads one reply per line it expects. */
    private static String converse(int port, String... steps) throws Exception {
        StringBuilder transcript = new StringBuilder();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            transcript.append(reply(in));
            for (String step : steps) {
                out.write(step.getBytes(StandardCharsets.UTF_8));
                out.flush();
                long expected = step.chars().filter(c -> c == '\n').count();
                if (step.startsWith("Subject") || step.contains("\r\n\r\n")) {
                    expected = 1; // a message body gets one reply
                }
                for (int i = 0; i < expected; i++) {
                    transcript.append(reply(in));
                }
            }
        }
        return transcript.toString();
    }

    private static String reply(BufferedReader in) throws Exception {
        StringBuilder reply = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            reply.append(line).append('\n');
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return reply.toString();
    }

    @Test
    void aSubmissionIsRelayedWithAuthAndDotsIntact() throws Exception {
        String plain = Base64.getEncoder().encodeToString("\0alice@example.org\0alice-pw".getBytes(StandardCharsets.UTF_8));
        String transcript = converse(relay.port(), "EHLO client.test\r\n", "AUTH PLAIN " + plain + "\r\n",
                "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n",
                "Subject: relayed\r\nFrom: alice@example.org\r\nTo: bob@example.org\r\n\r\n..a line with a dot\r\n"
                        + "body\n.\nnot the end\r\n.\r\n",
                "QUIT\r\n");
        assertThat(transcript).contains("235 2.7.0").contains("354 ").contains("250 2.0.0 Message accepted")
                .contains("221 ");
        assertThat(mta.waitForIncomingEmail(5_000, 2)).isTrue();
        MimeMessage[] received = mta.getReceivedMessages();
        assertThat(received).hasSize(2);
        String body = GreenMailUtil.getBody(received[0]);
        assertThat(received[0].getSubject()).isEqualTo("relayed");
        assertThat(body).startsWith(".a line with a dot\r\nbody\r\n.\r\nnot the end");
    }

    @Test
    void wrongCredentialsAreRefusedByTheUpstream() throws Exception {
        String plain = Base64.getEncoder().encodeToString("\0alice@example.org\0wrong".getBytes(StandardCharsets.UTF_8));
        String transcript = converse(relay.port(), "EHLO client.test\r\n", "AUTH PLAIN " + plain + "\r\n",
                "MAIL FROM:<alice@example.org>\r\n");
        assertThat(transcript).contains("535 5.7.8").contains("530 5.7.0");
    }

    @Test
    void anUnreachableUpstreamGives421() throws Exception {
        mta.stop();
        String transcript = converse(relay.port());
        assertThat(transcript).startsWith("421 4.4.1");
    }
}
