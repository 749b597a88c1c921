package org.mailseal.server.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.run.ProxyServer;
import org.mailseal.server.testing.Logs;
import org.slf4j.LoggerFactory;

/**
 * Authentication throttling through real sessions of each protocol, in front of a server that refuses every login
 * in words that tell an unknown user from a wrong password: 100 wrong passwords from one address reach that server
 * only {@code attempts} times, every refusal reads the same, an unknown user's included, and the delays (as the
 * throttle logs them) grow to the ceiling.
 */
class LoginThrottlingTest {
    private static final int ATTEMPTS = 5;
    private static final Pattern DELAY = Pattern.compile("delay=(\\d+)ms");
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger authLog = (Logger) LoggerFactory.getLogger("mailseal.auth");
    private ConnectionFrontTest.ScriptedUpstream upstream;

    @BeforeEach
    void setUp() throws IOException {
        log.start();
        authLog.addAppender(log);
        authLog.setLevel(Level.INFO);
        upstream = new ConnectionFrontTest.ScriptedUpstream();
        closing.add(upstream);
    }

    @AfterEach
    void tearDown() throws Exception {
        authLog.detachAppender(log);
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void imap() throws Exception {
        upstream.greeting = "* OK upstream ready";
        Client client = client(start("imap"));
        assertThat(client.line()).startsWith("* OK");
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            client.send("a" + i + " LOGIN alice wrong" + i);
            replies.add(client.line().substring(("a" + i).length()));
        }
        client.send("u1 LOGIN nobody wrong");
        String unknown = client.line().substring(2);
        assertThrottled(replies, unknown, " NO [AUTHENTICATIONFAILED] Authentication failed.");
    }

    @Test
    void theServersOwnWordsForAnUnknownUserNeverReachTheClient() throws Exception {
        upstream.greeting = "+OK upstream ready";
        Client client = client(start("pop3"));
        client.line();
        client.send("USER nobody"); // the server will refuse this name at its USER, and say why
        assertThat(client.line()).startsWith("+OK");
        client.send("PASS wrong");
        assertThat(client.line()).isEqualTo("-ERR [AUTH] Invalid user name or password");
        client.send("USER alice");
        client.line();
        client.send("PASS wrong");
        assertThat(client.line()).isEqualTo("-ERR [AUTH] Invalid user name or password");
        assertThat(upstream.logins.get()).isEqualTo(2);
    }

    @Test
    void aBareLoginAndTheAddressItUnlocksAreOneUser() throws Exception {
        upstream.greeting = "* OK upstream ready";
        Client client = client(start("imap", "loginDomain: example.org"));
        client.line();
        client.send("a LOGIN carol wrong");
        client.line();
        client.send("b LOGIN carol@example.org wrong");
        client.line();
        assertThat(Logs.lines(log).stream().filter(m -> m.contains("auth-failed")))
                .hasSize(2).allSatisfy(m -> assertThat(m).contains("user=carol@example.org"))
                .last().satisfies(m -> assertThat(m).contains("failures=2"));
    }

    @Test
    void pop3() throws Exception {
        upstream.greeting = "+OK upstream ready";
        Client client = client(start("pop3"));
        assertThat(client.line()).startsWith("+OK");
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            client.send("USER alice");
            assertThat(client.line()).startsWith("+OK");
            client.send("PASS wrong" + i);
            replies.add(client.line());
        }
        client.send("USER nobody");
        client.line();
        client.send("PASS wrong");
        String unknown = client.line();
        assertThrottled(replies, unknown, "-ERR [AUTH] Invalid user name or password");
    }

    @Test
    void smtp() throws Exception {
        Client client = client(start("submission"));
        assertThat(client.line()).startsWith("220");
        client.send("EHLO client.example");
        for (String line = client.line(); !line.startsWith("250 "); line = client.line()) {
            assertThat(line).startsWith("250-");
        }
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            client.send("AUTH PLAIN " + plain("alice", "wrong" + i));
            replies.add(client.line());
        }
        client.send("AUTH PLAIN " + plain("nobody", "wrong"));
        String unknown = client.line();
        assertThrottled(replies, unknown, "535 5.7.8 Authentication credentials invalid");
    }

    private void assertThrottled(List<String> replies, String unknown, String expected) {
        assertThat(replies).as("one reply for every refusal").containsOnly(expected);
        assertThat(unknown).as("an unknown user reads like a wrong password").isEqualTo(expected);
        // The address had failed ATTEMPTS times; the unknown user's attempt never reached the server either.
        assertThat(upstream.logins.get()).as("attempts the server saw").isEqualTo(ATTEMPTS);
        List<Long> delays = Logs.lines(log).stream().map(DELAY::matcher)
                .filter(Matcher::find).map(m -> Long.parseLong(m.group(1))).toList();
        assertThat(delays).hasSize(101);
        assertThat(delays.subList(0, 4)).containsExactly(1L, 2L, 4L, 8L);
        assertThat(delays).isSorted().last().isEqualTo(32L);
        assertThat(Logs.lines(log).stream().filter(m -> m.contains("event=auth-throttled")).count())
                .isEqualTo(101 - ATTEMPTS);
    }

    private int start(String role) throws Exception {
        return start(role, "");
    }

    private int start(String role, String listenerOption) throws Exception {
        Path config = dir.resolve("mailseal.yaml");
        Files.writeString(config, """
                keys: { home: keys }
                limits:
                  auth: { attempts: %d, delay: 1ms, maxDelay: 32ms, window: 1h }
                listeners:
                  - name: throttled
                    role: %s
                    listen: 127.0.0.1:%d
                    authWithoutTls: true
                    %s
                    upstream: { host: 127.0.0.1, port: %d, allowPlaintextAuth: true }
                """.formatted(ATTEMPTS, role, ConnectionFrontTest.freePort(), listenerOption, upstream.port()));
        ProxyServer server = ProxyServer.start(ConfigLoader.load(config));
        closing.add(server);
        return server.addresses().get(0).getPort();
    }

    private Client client(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        closing.add(socket);
        return new Client(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)),
                new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private record Client(BufferedReader in, Writer out) {
        void send(String line) throws IOException {
            out.write(line + "\r\n");
            out.flush();
        }

        String line() throws IOException {
            return in.readLine();
        }
    }
}
