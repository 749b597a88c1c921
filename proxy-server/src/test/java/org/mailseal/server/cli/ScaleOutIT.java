package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two mailseal nodes (the jar, as `run`) behind real HAProxy, with real Postfix and Dovecot behind them, all on
 * loopback. HAProxy opens every connection to a node with a PROXY v2 header; the nodes open theirs to Postfix and
 * Dovecot with one too, so the client's address (127.0.0.2 here) reaches mailseal's logs and the mail servers'.
 * The nodes share nothing but the key home. Then one node is killed (SIGKILL) while mail is being submitted:
 * every message a client saw accepted arrives, and clients carry on through the other node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
    static final Path MAILSTACK = Path.of("src/test/mailstack/mailstack.sh").toAbsolutePath();
    static final String CLIENT = "127.0.0.2";
    @TempDir
    static Path dir;
    static Path base;
    static final Map<String, Process> nodes = new HashMap<>();
    static final Map<String, Path> nodeLogs = new HashMap<>();
    static Process haproxy;
    static final Map<String, Integer> admin = new HashMap<>();
    static int smtp;
    static int imap;
    static int pop3;

    @BeforeAll
    static void start() throws Exception {
        base = Files.createTempDirectory(Path.of("/tmp"), "mailstack");
        // Postfix hands mail straight to Dovecot's LMTP: the nodes encrypt at submission.
        stack("start");
        Path keys = dir.resolve("keys");
        assertThat(Cli.run("keys", "generate", "--home", keys.toString(), "--email", "bob@example.org",
                "--password", "bobpw").exitCode()).isZero();
        smtp = freePort();
        imap = freePort();
        pop3 = freePort();
        Map<String, int[]> ports = new HashMap<>();
        admin.put("a", freePort());
        admin.put("b", freePort());
        for (String node : List.of("a", "b")) {
            int[] p = {freePort(), freePort(), freePort()};
            ports.put(node, p);
            Path config = dir.resolve("node-" + node + ".yaml");
            Files.writeString(config, """
                    keys: { home: %s }
                    limits: { connectionsPerAddress: 500 }
                    admin: { listen: 127.0.0.1:%d }
                    listeners:
                      - name: submission
                        role: submission
                        listen: 127.0.0.1:%d
                        hostname: node-%s.example.org
                        authWithoutTls: true
                        proxyProtocol: true
                        proxyProtocolFrom: [127.0.0.1]
                        upstream: { host: 127.0.0.1, port: 10026, tls: starttls, trust: %s, proxyProtocol: v2 }
                      - name: imap
                        role: imap
                        listen: 127.0.0.1:%d
                        authWithoutTls: true
                        proxyProtocol: true
                        proxyProtocolFrom: [127.0.0.1]
                        upstream: { host: 127.0.0.1, port: 10144, allowPlaintextAuth: true, proxyProtocol: v2 }
                      - name: pop3
                        role: pop3
                        listen: 127.0.0.1:%d
                        authWithoutTls: true
                        proxyProtocol: true
                        proxyProtocolFrom: [127.0.0.1]
                        upstream: { host: 127.0.0.1, port: 10111, allowPlaintextAuth: true, proxyProtocol: v1 }
                    """.formatted(keys, admin.get(node), p[0], node, base.resolve("tls/cert.pem"), p[1], p[2]));
            Path log = dir.resolve("node-" + node + ".log");
            nodeLogs.put(node, log);
            nodes.put(node, new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", Cli.jar().toString(), "run", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start());
        }
        for (String node : List.of("a", "b")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> read(nodeLogs.get(node)).contains("mailseal ready"));
        }
        String[] names = {"smtp", "imap", "pop3"};
        int[] fronts = {smtp, imap, pop3};
        StringBuilder cfg = new StringBuilder("""
                global
                  maxconn 2000
                defaults
                  mode tcp
                  timeout connect 2s
                  timeout client 5m
                  timeout server 5m
                  retries 3
                  option redispatch
                """);
        for (int i = 0; i < 3; i++) {
            cfg.append("frontend ").append(names[i]).append("\n  bind 127.0.0.1:").append(fronts[i])
                    .append("\n  default_backend ").append(names[i]).append("_nodes\n")
                    .append("backend ").append(names[i]).append("_nodes\n  balance roundrobin\n");
            for (String node : List.of("a", "b")) {
                cfg.append("  server ").append(node).append(" 127.0.0.1:").append(ports.get(node)[i])
                        .append(" send-proxy-v2 check inter 500ms fall 1 rise 2\n");
            }
        }
        Path haproxyCfg = dir.resolve("haproxy.cfg");
        Files.writeString(haproxyCfg, cfg);
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", haproxyCfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        for (int port : fronts) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                new Socket("127.0.0.1", port).close();
                return true;
            });
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (haproxy != null) {
            haproxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (Process node : nodes.values()) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        stack("stop");
    }

    @Test
    @Order(1)
    void smtpImapAndPop3WorkThroughTheBalancerAndTheClientAddressReachesEveryLog() throws Exception {
        String id = submit("first");
        await().atMost(Duration.ofSeconds(20)).until(() -> imapIds().contains(id));
        assertThat(imapText(id)).as("bob reads the message decrypted").contains("Hello through the balancer: first");
        assertThat(pop3Count()).isPositive();

        // Every protocol's sessions reached a node from the client's own address, through HAProxy.
        String logs = read(nodeLogs.get("a")) + read(nodeLogs.get("b"));
        for (String protocol : List.of("smtp", "imap", "pop3")) {
            assertThat(logs).containsPattern("protocol=" + protocol + " event=open listener=\\S+ client=127\\.0\\.0\\.2:"
                    + "\\d+ via=127\\.0\\.0\\.1:\\d+");
        }
        assertThat(logs).containsPattern("protocol=(imap|pop3|smtp) event=close user=bob@example.org duration=");
        assertThat(logs).containsPattern("event=message role=submission user=bob@example.org from=<bob@example.org>"
                + " rcpts=1 size=\\d+ copies=1 reply=250");
        // ... and the nodes passed it on: Postfix and Dovecot saw 127.0.0.2 as well.
        await().untilAsserted(() -> assertThat(read(base.resolve("postfix/maillog"))).contains("[127.0.0.2]"));
        assertThat(read(base.resolve("dovecot/dovecot.log"))).contains("rip=127.0.0.2");

        // The Received: field a node adds names the client too, not the balancer (read from the stored file).
        try (java.util.stream.Stream<Path> files = Files.walk(base.resolve("mail"))) {
            String stored = files.filter(Files::isRegularFile).map(ScaleOutIT::readQuietly)
                    .filter(text -> text.contains(id)).findFirst().orElseThrow();
            assertThat(stored).containsPattern("Received: from \\S+ \\(\\[127\\.0\\.0\\.2\\]\\)\r?\n\\s+by node-[ab]"
                    + "\\.example\\.org \\(mailseal\\)");
        }

        // The nodes' health checks greet the same upstreams, which wait for a PROXY header: they send one too.
        java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + admin.get("a") + "/health"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(health.body()).contains("\"name\":\"upstream:smtp:127.0.0.1:10026\",\"status\":\"up\"")
                .contains("\"name\":\"upstream:imap:127.0.0.1:10144\",\"status\":\"up\"")
                .contains("\"name\":\"upstream:pop3:127.0.0.1:10111\",\"status\":\"up\"");
    }

    @Test
    @Order(2)
    void killingANodeLosesNoAcceptedMessageAndClientsCarryOnThroughTheOther() throws Exception {
        // Two IMAP sessions held open: round robin puts one on each node.
        List<Store> held = List.of(openInbox(), openInbox());
        List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger retried = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService submitters = java.util.concurrent.Executors.newFixedThreadPool(3);
        List<java.util.concurrent.Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int thread = t;
            work.add(submitters.submit(() -> {
                for (int i = 0; i < 12; i++) {
                    for (int attempt = 0; ; attempt++) {
                        try {
                            accepted.add(submit("thread " + thread + " message " + i));
                            break;
                        } catch (MessagingException e) {
                            // A client's own job: a refused or broken submission is tried again, as MTAs and MUAs do.
                            assertThat(attempt).as("submission keeps failing: %s", e).isLessThan(20);
                            retried.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= 8);
        nodes.get("a").destroyForcibly(); // SIGKILL while submissions are in flight: no drain, connections cut
        assertThat(nodes.get("a").waitFor(10, TimeUnit.SECONDS)).isTrue();
        for (java.util.concurrent.Future<?> done : work) {
            done.get(120, TimeUnit.SECONDS);
        }
        submitters.shutdown();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(imapIds()).containsAll(accepted));
        assertThat(pop3Count()).isGreaterThanOrEqualTo(accepted.size());
        // The session that was on the killed node is gone; its client reconnects, through the balancer, to the other.
        int broken = 0;
        for (Store store : held) {
            try {
                store.getFolder("INBOX").getMessageCount();
                store.close();
            } catch (MessagingException | IllegalStateException e) {
                broken++;
                Store again = openInbox();
                assertThat(again.getFolder("INBOX").getMessageCount()).isGreaterThanOrEqualTo(accepted.size());
                again.close();
            }
        }
        assertThat(broken).as("IMAP sessions cut by the kill").isEqualTo(1);
        System.out.printf("scale-out: %d messages accepted, %d submissions retried, %d IMAP session reconnected%n",
                accepted.size(), retried.get(), broken);
    }

    private static Store openInbox() throws MessagingException {
        Store store = Session.getInstance(properties()).getStore("imap");
        store.connect("bob@example.org", "bobpw");
        store.getFolder("INBOX").getMessageCount();
        return store;
    }

    // ------------------------------------------------------------------ clients, from 127.0.0.2 through HAProxy

    private static Properties properties() {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(smtp));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.localaddress", CLIENT);
        p.put("mail.smtp.timeout", "20000");
        p.put("mail.imap.host", "127.0.0.1");
        p.put("mail.imap.port", String.valueOf(imap));
        p.put("mail.imap.localaddress", CLIENT);
        p.put("mail.imap.timeout", "20000");
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(pop3));
        p.put("mail.pop3.localaddress", CLIENT);
        p.put("mail.pop3.timeout", "20000");
        return p;
    }

    /** Submits a message from bob to bob; its Message-ID when the server said 250. */
    private static String submit(String text) throws MessagingException {
        Session session = Session.getInstance(properties());
        String id = "<" + java.util.UUID.randomUUID() + "@scale.test>";
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", id);
            }
        };
        message.setFrom(new InternetAddress("bob@example.org"));
        message.setRecipients(Message.RecipientType.TO, "bob@example.org");
        message.setSubject("scale-out " + text);
        message.setText("Hello through the balancer: " + text + "\r\n", "UTF-8");
        Transport.send(message, "bob@example.org", "bobpw");
        return id;
    }

    private static List<String> imapIds() throws MessagingException {
        Store store = Session.getInstance(properties()).getStore("imap");
        store.connect("bob@example.org", "bobpw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<String> ids = new ArrayList<>();
            for (Message message : inbox.getMessages()) {
                String[] header = message.getHeader("Message-ID");
                if (header != null) {
                    ids.add(header[0]);
                }
            }
            inbox.close(false);
            return ids;
        } finally {
            store.close();
        }
    }

    private static String imapText(String id) throws Exception {
        Store store = Session.getInstance(properties()).getStore("imap");
        store.connect("bob@example.org", "bobpw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            for (Message message : inbox.getMessages()) {
                String[] header = message.getHeader("Message-ID");
                if (header != null && header[0].equals(id)) {
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    message.writeTo(out);
                    return out.toString(StandardCharsets.UTF_8);
                }
            }
            return "";
        } finally {
            store.close();
        }
    }

    private static int pop3Count() throws MessagingException {
        Store store = Session.getInstance(properties()).getStore("pop3");
        store.connect("bob@example.org", "bobpw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            int count = inbox.getMessageCount();
            inbox.close(false);
            return count;
        } finally {
            store.close();
        }
    }

    private static void stack(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", MAILSTACK.toString(), command).redirectErrorStream(true);
        builder.environment().put("BASE", base.toString());
        builder.environment().put("MAILSEAL_LMTP", "10024");
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("mailstack.sh %s: %s", command, output).isZero();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private static int freePort() {
        return org.mailseal.server.testing.Ports.free();
    }
}
