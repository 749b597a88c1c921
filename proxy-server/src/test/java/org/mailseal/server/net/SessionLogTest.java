package org.mailseal.server.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.run.ProxyServer;
import org.slf4j.LoggerFactory;

/**
 * The log of one SMTP session as an operator reads it: an open line with the client, one line per transaction with
 * the envelope and the reply, a close line with the byte counts, all carrying one session id, and none carrying the
 * message's content.
 */
class SessionLogTest {
    @TempDir
    Path dir;

    @Test
    void oneSessionIdFromOpenThroughEachTransactionToClose() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger mailseal = (Logger) LoggerFactory.getLogger("mailseal");
        mailseal.addAppender(log);
        mailseal.setLevel(Level.INFO);
        try (ConnectionFrontTest.ScriptedUpstream upstream = new ConnectionFrontTest.ScriptedUpstream()) {
            Path config = dir.resolve("mailseal.yaml");
            Files.writeString(config, """
                    keys: { home: keys }
                    listeners:
                      - name: mx
                        role: inbound
                        listen: 127.0.0.1:%d
                        localDomains: [example.org]
                        upstream: { host: 127.0.0.1, port: %d }
                    """.formatted(ConnectionFrontTest.freePort(), upstream.port()));
            try (ProxyServer server = ProxyServer.start(ConfigLoader.load(config));
                 Socket socket = new Socket("127.0.0.1", server.addresses().get(0).getPort())) {
                socket.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII);
                assertThat(in.readLine()).startsWith("220");
                for (String command : List.of("HELO client.example", "MAIL FROM:<carol@remote.example>",
                        "RCPT TO:<bob@example.org>", "DATA")) {
                    out.write(command + "\r\n");
                    out.flush();
                    assertThat(in.readLine()).matches("[23][0-9][0-9] .*");
                }
                out.write("Subject: the secret plan\r\n\r\nMeet at noon.\r\n.\r\nQUIT\r\n");
                out.flush();
                assertThat(in.readLine()).startsWith("250");
                assertThat(in.readLine()).startsWith("221");
                await().until(() -> messages(log).stream().anyMatch(m -> m.contains("event=close")));
            }
        } finally {
            mailseal.detachAppender(log);
        }
        List<String> lines = messages(log);
        String open = lines.stream().filter(m -> m.contains("event=open")).findFirst().orElseThrow();
        Matcher id = Pattern.compile("session=(\\S+)").matcher(open);
        assertThat(id.find()).isTrue();
        String session = "session=" + id.group(1) + " ";
        assertThat(open).contains("protocol=smtp").contains("listener=mx").contains("client=127.0.0.1:");
        assertThat(lines).anySatisfy(m -> assertThat(m).startsWith(session).contains("event=message")
                .contains("role=inbound_smtp").contains("from=<carol@remote.example>").contains("rcpts=1")
                .contains("reply=250"));
        assertThat(lines).anySatisfy(m -> assertThat(m).startsWith(session).contains("event=close")
                .containsPattern("bytesIn=[1-9]").containsPattern("bytesOut=[1-9]"));
        assertThat(lines).noneMatch(m -> m.contains("secret plan") || m.contains("noon"));
    }

    private static List<String> messages(ListAppender<ILoggingEvent> log) {
        return org.mailseal.server.testing.Logs.lines(log);
    }
}
