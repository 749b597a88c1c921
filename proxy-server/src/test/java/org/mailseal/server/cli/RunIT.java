package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailseal run} and {@code mailseal config check}, from the shaded jar, with GreenMail as the MTA. */
class RunIT {
    @TempDir
    Path dir;
    private final GreenMail mta = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
    private Process mailseal;

    @BeforeEach
    void startMta() {
        mta.start();
        mta.setUser("alice@example.org", "alice@example.org", "alice-pw");
        mta.setUser("bob@example.org", "bob@example.org", "bob-pw");
    }

    @AfterEach
    void stop() throws Exception {
        if (mailseal != null && mailseal.isAlive()) {
            mailseal.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        mta.stop();
    }

    private static int freePort() {
        return org.mailseal.server.testing.Ports.free();
    }

    private Path config(int port) throws Exception {
        Path file = dir.resolve("mailseal.yaml");
        Files.writeString(file, """
                keys:
                  home: keys
                policy:
                  default: opportunistic
                  domains:
                    example.org: require
                listeners:
                  - name: submission
                    role: submission
                    listen: 127.0.0.1:%d
                    hostname: mail.example.org
                    authWithoutTls: true
                    upstream:
                      host: 127.0.0.1
                      port: %d
                      allowPlaintextAuth: true
                """.formatted(port, mta.getSmtp().getPort()));
        return file;
    }

    @Test
    void runRelaysEncryptedMailAndStopsOnSigterm() throws Exception {
        int port = freePort();
        Path config = config(port);
        assertThat(Cli.run("keys", "generate", "--home", dir.resolve("keys").toString(), "--email", "bob@example.org",
                "--password", "bob-pw").exitCode()).isZero();
        assertThat(Cli.run("config", "check", "--config", config.toString()).out()).startsWith("configuration OK: 1 listener(s)");

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Cli.jar().toString(), "run", "--config", config.toString()));
        mailseal = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(mailseal.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = output.readLine()) != null && !line.equals("mailseal ready")) {
            seen.append(line).append('\n');
        }
        assertThat(line).as(seen.toString()).isEqualTo("mailseal ready");
        assertThat(seen.toString()).contains("submission").contains(":" + port);

        String plain = Base64.getEncoder().encodeToString("\0alice@example.org\0alice-pw".getBytes(StandardCharsets.UTF_8));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            out.write(("EHLO client\r\nAUTH PLAIN " + plain + "\r\nMAIL FROM:<alice@example.org>\r\n"
                    + "RCPT TO:<carol@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
            List<String> replies = new ArrayList<>();
            while (!(line = in.readLine()).startsWith("354")) {
                if (line.charAt(3) == ' ') {
                    replies.add(line);
                }
            }
            assertThat(replies.get(1)).startsWith("235 ");
            assertThat(replies.get(3)).startsWith("550 5.7.1"); // carol has no key and example.org requires one
            assertThat(replies.get(4)).startsWith("250 ");
            out.write("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: secret\r\n\r\nhello bob\r\n.\r\nQUIT\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("250 ");
        }
        assertThat(mta.waitForIncomingEmail(10_000, 1)).isTrue();
        MimeMessage received = mta.getReceivedMessages()[0];
        assertThat(received.getContentType()).startsWith("multipart/encrypted");
        assertThat(received.getSubject()).isEqualTo("...");

        mailseal.destroy(); // SIGTERM: drain and stop
        assertThat(mailseal.waitFor(40, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void configCheckListsEveryProblemAndExitsTwo() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "listeners:\n  - role: submision\n    listen: 127.0.0.1:0\n");
        Cli.Result result = Cli.run("config", "check", "--config", file.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("configuration has 3 problem(s)")
                .contains("listeners[0].role: 'submision' is not one of submission, inbound, lmtp")
                .contains("listeners[0].listen: port 0 is out of range")
                .contains("listeners[0].upstream: missing");
        assertThat(result.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
