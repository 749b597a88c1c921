package org.mailseal.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream that goes away or stops answering in the middle of a message: the client hears 4xx, never 250, and
 * its retry delivers the message exactly once.
 */
class UpstreamFailureTest {
    private RelayUnderTest relay;
    private ScriptedMta mta;

    private void start(ScriptedMta.Behaviour... behaviours) throws Exception {
        mta = new ScriptedMta(behaviours);
        UpstreamConfig upstream = UpstreamConfig.plain("127.0.0.1", mta.port(), "mailseal.test")
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(700));
        SmtpSessionConfig config = SmtpSessionConfig.defaults(SmtpSessionConfig.Role.INBOUND_SMTP, "mx.test",
                Set.of("example.org"));
        relay = new RelayUnderTest(config, upstream);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        mta.close();
    }

    /** Sends one message as a client with a retry queue would, and returns the reply to the final dot. */
    private String send() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", relay.port())) {
            socket.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            in.readLine();
            out.write(("EHLO client\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            do {
                line = in.readLine();
            } while (!line.startsWith("354"));
            out.write("Subject: once\r\n\r\nline one\r\nline two\r\nline three\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return in.readLine();
        }
    }

    @Test
    void aDropInTheMiddleOfTheDataIs4xxAndTheRetryDeliversOnce() throws Exception {
        start(ScriptedMta.Behaviour.DROP_DURING_DATA, ScriptedMta.Behaviour.WORK);
        assertThat(send()).startsWith("451 ");
        assertThat(mta.accepted).isEmpty();
        assertThat(send()).startsWith("250 ");
        assertThat(mta.accepted).singleElement().asString().contains("Subject: once").contains("line three");
    }

    @Test
    void anUpstreamThatNeverAnswersTheFinalDotIs4xx() throws Exception {
        start(ScriptedMta.Behaviour.HANG_AFTER_DOT, ScriptedMta.Behaviour.WORK);
        assertThat(send()).startsWith("451 ");
        assertThat(send()).startsWith("250 ");
        assertThat(mta.accepted).hasSize(1);
    }
}
