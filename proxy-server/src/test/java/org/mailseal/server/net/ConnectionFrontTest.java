package org.mailseal.server.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.run.ProxyServer;
import org.slf4j.LoggerFactory;

/**
 * The connection front on real sockets: PROXY headers in (v1 and v2) carry the client address into the session log,
 * a bad or missing header gets no greeting, the per-address limit refuses with each protocol's own reply, and an
 * upstream that expects the PROXY protocol gets a header naming the real client.
 */
class ConnectionFrontTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger sessionLog = (Logger) LoggerFactory.getLogger("mailseal.session");
    private ScriptedUpstream upstream;

    @BeforeEach
    void setUp() throws IOException {
        log.start();
        sessionLog.addAppender(log);
        sessionLog.setLevel(Level.INFO);
        upstream = new ScriptedUpstream();
        closing.add(upstream);
    }

    @AfterEach
    void tearDown() throws Exception {
        sessionLog.detachAppender(log);
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void aProxyV1HeaderNamesTheClientInTheSessionLog() throws Exception {
        int port = start("proxyProtocol: true", "");
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("PROXY TCP4 203.0.113.7 127.0.0.1 51000 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(socket)).startsWith("220 ");
        }
        assertThat(logged("event=open")).contains("client=203.0.113.7:51000").contains("via=127.0.0.1:");
        await().untilAsserted(() -> assertThat(logged("event=close")).contains("bytesIn=").contains("bytesOut="));
    }

    @Test
    void aProxyV2HeaderNamesAnIpv6Client() throws Exception {
        int port = start("proxyProtocol: true", "");
        byte[] header = encoded(ProxyHeaderSender.header(HAProxyProtocolVersion.V2,
                new InetSocketAddress("2001:db8::5", 40000), new InetSocketAddress("2001:db8::1", 587)));
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(header);
            assertThat(line(socket)).startsWith("220 ");
        }
        assertThat(logged("event=open")).contains("client=[2001:db8:0:0:0:0:0:5]:40000");
    }

    @Test
    void aMalformedHeaderIsClosedWithoutAGreeting() throws Exception {
        int port = start("proxyProtocol: true", "");
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read()).as("closed, nothing said").isEqualTo(-1);
        }
        // The decoder closes the connection before the front hears why: the line follows the close.
        await().untilAsserted(() -> assertThat(logged("event=refused")).contains("malformed PROXY header"));
        assertThat(upstream.accepted()).as("nothing reached the upstream").isZero();
    }

    @Test
    void aHeaderFromAPeerThatIsNotAnAllowedBalancerIsNotTaken() throws Exception {
        int port = start("proxyProtocol: true\n    proxyProtocolFrom: [192.0.2.0/24, \"2001:db8::/32\"]", "");
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("PROXY TCP4 10.9.9.9 127.0.0.1 1234 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read()).as("closed, nothing said").isEqualTo(-1);
        }
        await().untilAsserted(() -> assertThat(logged("event=refused")).contains("not a balancer"));
        assertThat(logged("event=open")).isEmpty();
        int allowed = start("proxyProtocol: true\n    proxyProtocolFrom: [127.0.0.0/8]", "");
        try (Socket socket = connect(allowed)) {
            socket.getOutputStream().write("PROXY TCP4 10.9.9.9 127.0.0.1 1234 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(socket)).startsWith("220 ");
        }
        assertThat(logged("event=open")).contains("client=10.9.9.9:1234");
    }

    @Test
    void aDirectConnectionToAProxyListenerWithNoHeaderTimesOut() throws Exception {
        int port = start("proxyProtocol: true", "  proxyHeaderTimeout: 1s\n");
        try (Socket socket = connect(port)) {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        await().untilAsserted(() -> assertThat(logged("event=refused")).contains("no PROXY header within 1 s"));
    }

    @Test
    void withoutTheProtocolAHeaderIsJustBadInput() throws Exception {
        int port = start("", "");
        try (Socket socket = connect(port)) {
            assertThat(line(socket)).startsWith("220 ");
        }
        assertThat(logged("event=open")).contains("client=127.0.0.1:").doesNotContain("via=");
    }

    @Test
    void theLimitPerAddressRefusesWithTheProtocolsReplyAndCountsAgainOnceOneCloses() throws Exception {
        int port = start("", "  connectionsPerAddress: 2\n");
        Socket first = connect(port);
        assertThat(line(first)).startsWith("220 ");
        Socket second = connect(port);
        assertThat(line(second)).startsWith("220 ");
        try (Socket third = connect(port)) {
            assertThat(line(third)).isEqualTo("421 4.7.0 Too many connections from your address, try again later");
            assertThat(third.getInputStream().read()).isEqualTo(-1);
        }
        first.close();
        await().untilAsserted(() -> assertThat(logged("event=close")).isNotEmpty());
        try (Socket fourth = connect(port)) {
            assertThat(line(fourth)).startsWith("220 ");
        }
        second.close();
    }

    @Test
    void behindTheBalancerTheLimitCountsTheRealClientNotTheBalancer() throws Exception {
        int port = start("proxyProtocol: true", "  connectionsPerAddress: 1\n");
        try (Socket a = connect(port); Socket b = connect(port)) {
            a.getOutputStream().write("PROXY TCP4 198.51.100.1 127.0.0.1 1111 25\r\n".getBytes(StandardCharsets.US_ASCII));
            b.getOutputStream().write("PROXY TCP4 198.51.100.2 127.0.0.1 2222 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(a)).startsWith("220 ");
            assertThat(line(b)).startsWith("220 ");
            try (Socket c = connect(port)) {
                c.getOutputStream().write("PROXY TCP4 198.51.100.1 127.0.0.1 3333 25\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(line(c)).startsWith("421 4.7.0");
            }
        }
    }

    @Test
    void imapAndPop3RefuseWithTheirOwnReplies() throws Exception {
        upstream.greeting = "* OK upstream ready";
        int imap = start("", "  connectionsPerAddress: 1\n", "imap");
        try (Socket held = connect(imap)) {
            assertThat(line(held)).startsWith("* OK");
            Socket over = connect(imap);
            assertThat(line(over)).isEqualTo("* BYE [UNAVAILABLE] Too many connections from your address");
        }
    }

    @Test
    void pop3RefusesWithSysTemp() throws Exception {
        upstream.greeting = "+OK upstream ready";
        int pop3 = start("", "  connectionsPerAddress: 1\n", "pop3");
        try (Socket held = connect(pop3)) {
            assertThat(line(held)).startsWith("+OK");
            Socket over = connect(pop3);
            assertThat(line(over)).isEqualTo("-ERR [SYS/TEMP] Too many connections from your address");
        }
    }

    @Test
    void anUpstreamThatExpectsTheProxyProtocolGetsTheRealClient() throws Exception {
        upstream.headerFirst = true;
        int port = start("proxyProtocol: true", "", "submission", "proxyProtocol: v1");
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("PROXY TCP4 203.0.113.9 127.0.0.1 40404 587\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(socket)).startsWith("220 ");
        }
        assertThat(upstream.firstLine.get(5, TimeUnit.SECONDS))
                .isEqualTo("PROXY TCP4 203.0.113.9 127.0.0.1 40404 " + port);
    }

    @Test
    void aV2HeaderToTheUpstreamIsBinary() throws Exception {
        upstream.headerFirst = true;
        int port = start("", "", "submission", "proxyProtocol: v2");
        try (Socket socket = connect(port)) {
            assertThat(line(socket)).startsWith("220 ");
        }
        // The v2 signature (\r\n\r\n\0\r\nQUIT\n) opens the connection, then version 2 / PROXY and TCP over IPv4.
        assertThat(upstream.firstBytes.get(5, TimeUnit.SECONDS)).startsWith(
                0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11);
    }

    @Test
    void anUpstreamThatIsDownIsCountedAndTheClientToldToComeBack() throws Exception {
        int dead = freePort(); // nothing listens there
        Path config = dir.resolve("mailseal.yaml");
        Files.writeString(config, """
                keys: { home: keys }
                listeners:
                  - name: imap
                    role: imap
                    listen: 127.0.0.1:%d
                    authWithoutTls: true
                    upstream: { host: 127.0.0.1, port: %d, allowPlaintextAuth: true }
                """.formatted(freePort(), dead));
        ProxyServer server = ProxyServer.start(ConfigLoader.load(config));
        closing.add(server);
        try (Socket socket = connect(server.addresses().get(0).getPort())) {
            assertThat(line(socket)).startsWith("* BYE [UNAVAILABLE]");
        }
        await().untilAsserted(() -> assertThat(server.metrics().registry().get("mailseal.upstream.errors")
                .tag("protocol", "imap").counter().count()).isEqualTo(1));
        assertThat(server.metrics().registry().get("mailseal.upstream.errors").tag("protocol", "smtp").counter().count())
                .isZero();
    }

    @Test
    void aStartTlsHandshakeThatFailsUpstreamIsCountedToo() throws Exception {
        upstream.offerStartTls = true;
        Path config = dir.resolve("mailseal.yaml");
        Files.writeString(config, """
                keys: { home: keys }
                listeners:
                  - name: submission
                    role: submission
                    listen: 127.0.0.1:%d
                    authWithoutTls: true
                    upstream: { host: 127.0.0.1, port: %d, tls: starttls, insecure: true }
                """.formatted(freePort(), upstream.port()));
        ProxyServer server = ProxyServer.start(ConfigLoader.load(config));
        closing.add(server);
        try (Socket socket = connect(server.addresses().get(0).getPort())) {
            assertThat(line(socket)).startsWith("421 ");
        }
        await().untilAsserted(() -> assertThat(server.metrics().registry().get("mailseal.upstream.errors")
                .tag("protocol", "smtp").counter().count()).isEqualTo(1));
    }

    // ------------------------------------------------------------------ helpers

    private int start(String listenerOption, String limits) throws Exception {
        return start(listenerOption, limits, "submission", "");
    }

    private int start(String listenerOption, String limits, String role) throws Exception {
        return start(listenerOption, limits, role, "");
    }

    private int start(String listenerOption, String limits, String role, String upstreamOption) throws Exception {
        Path config = dir.resolve("mailseal.yaml");
        Files.writeString(config, """
                keys: { home: keys }
                limits:
                %s
                listeners:
                  - name: front-test
                    role: %s
                    listen: 127.0.0.1:%d
                    authWithoutTls: true
                    %s
                    upstream: { host: 127.0.0.1, port: %d, allowPlaintextAuth: true %s }
                """.formatted(limits.isEmpty() ? "  maxRecipients: 100" : limits.stripTrailing(), role, freePort(), listenerOption,
                upstream.port(), upstreamOption.isEmpty() ? "" : ", " + upstreamOption));
        ProxyServer server = ProxyServer.start(ConfigLoader.load(config));
        closing.add(server);
        return server.addresses().get(0).getPort();
    }

    static int freePort() {
        return org.mailseal.server.testing.Ports.free();
    }

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        closing.add(socket);
        return socket;
    }

    private static String line(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private String logged(String event) {
        return org.mailseal.server.testing.Logs.lines(log).stream().filter(m -> m.contains(event))
                .reduce("", (a, b) -> a + "\n" + b);
    }

    private static byte[] encoded(io.netty.handler.codec.haproxy.HAProxyMessage header) {
        EmbeddedChannel channel = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        channel.writeOutbound(header);
        ByteBuf out = channel.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        channel.finishAndReleaseAll();
        return bytes;
    }

    /**
     * An upstream that greets every connection and keeps what the first one sent before anything else: the PROXY
     * header when mailseal sends one. It answers SMTP with 250s, IMAP with a
     * capability list and POP3 with +OK: enough for a session to start.
     */
    static final class ScriptedUpstream implements AutoCloseable {
        final ServerSocket server = new ServerSocket(freePort(), 50, java.net.InetAddress.getLoopbackAddress());
        final CompletableFuture<String> firstLine = new CompletableFuture<>();
        final CompletableFuture<byte[]> firstBytes = new CompletableFuture<>();
        volatile String greeting = "220 upstream ESMTP";
        /** Whether SMTP EHLO offers STARTTLS (which then fails). */
        volatile boolean offerStartTls;
        /** Whether connections open with a PROXY header, read before the greeting is sent. */
        volatile boolean headerFirst;
        /** Login attempts that reached this server; it refuses them all, in words that tell unknown users apart. */
        final java.util.concurrent.atomic.AtomicInteger logins = new java.util.concurrent.atomic.AtomicInteger();
        private volatile int accepted;
        private final Thread thread;

        ScriptedUpstream() throws IOException {
            thread = new Thread(this::serve, "scripted-upstream");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted;
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    accepted++;
                    Thread worker = new Thread(() -> talk(socket), "scripted-upstream-session");
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void talk(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                socket.setSoTimeout(10_000);
                byte[] early = new byte[256];
                int n = headerFirst ? in.read(early) : 0; // one write of mailseal's, before it waits for a greeting
                if (n > 0) {
                    firstBytes.complete(java.util.Arrays.copyOf(early, n));
                    String text = new String(early, 0, n, StandardCharsets.ISO_8859_1);
                    firstLine.complete(text.contains("\r\n") ? text.substring(0, text.indexOf("\r\n")) : text);
                }
                out.write((greeting + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
                boolean inData = false;
                for (String line; (line = reader.readLine()) != null; ) {
                    if (greeting.startsWith("* ")) { // IMAP: every command is answered as CAPABILITY would be
                        String tag = line.split(" ", 2)[0];
                        if (line.toUpperCase(java.util.Locale.ROOT).contains(" LOGIN ")) {
                            logins.incrementAndGet();
                            out.write((tag + " NO [AUTHENTICATIONFAILED] " + (line.contains("nobody") ? "No such user"
                                    : "Wrong password") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            continue;
                        }
                        out.write(("* CAPABILITY IMAP4rev1 LITERAL+\r\n" + tag + " OK done\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        continue;
                    }
                    if (greeting.startsWith("+OK")) { // POP3: a capability list for CAPA, +OK for anything else
                        String upper = line.toUpperCase(java.util.Locale.ROOT);
                        boolean unknown = upper.startsWith("USER ") && line.contains("nobody");
                        if (unknown || upper.startsWith("PASS ")) {
                            logins.incrementAndGet();
                        }
                        String reply = line.equalsIgnoreCase("CAPA") ? "+OK\r\nUSER\r\n.\r\n"
                                : unknown ? "-ERR No such user\r\n"
                                : upper.startsWith("PASS ") ? "-ERR [AUTH] Wrong password\r\n" : "+OK\r\n";
                        out.write(reply.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        continue;
                    }
                    if (inData) { // SMTP message content: answered once, at its end
                        if (line.equals(".")) {
                            inData = false;
                            out.write("250 2.0.0 queued\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                        continue;
                    }
                    String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line;
                    if (verb.equals("DATA")) {
                        inData = true;
                        out.write("354 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        continue;
                    }
                    String reply = switch (verb) {
                        case "EHLO", "LHLO" -> offerStartTls ? "250-upstream\r\n250 STARTTLS" : "250-upstream\r\n250 AUTH PLAIN";
                        case "STAR" -> {
                            // Agrees to STARTTLS, then answers the handshake with text: a broken TLS upstream.
                            out.write("220 2.0.0 go ahead\r\nthis is not TLS\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            yield null;
                        }
                        case "AUTH" -> {
                            logins.incrementAndGet();
                            String plain = new String(java.util.Base64.getDecoder().decode(line.substring(11).trim()),
                                    StandardCharsets.UTF_8);
                            yield plain.contains("nobody") ? "535 5.7.8 No such user" : "535 5.7.8 Wrong password";
                        }
                        case "QUIT" -> "221 bye";
                        default -> "250 ok";
                    };
                    if (reply == null) {
                        return;
                    }
                    out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (verb.equals("QUIT")) {
                        return;
                    }
                }
            } catch (IOException ignored) {
                // the session ended
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
