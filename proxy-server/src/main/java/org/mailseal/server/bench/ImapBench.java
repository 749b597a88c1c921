package org.mailseal.server.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.server.config.ImapListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.run.ProxyServer;

/**
 * {@code mailseal bench imap}: a mailbox of N plaintext messages and a mailbox of the same N messages encrypted to
 * one cv25519 key, on the same embedded server; after a warm-up (on a third mailbox, so the cache stays cold),
 * FETCH BODY[] of all of them straight from the server (plaintext), then through mailseal (encrypted) with a cold
 * and a warm cache, in one run; then idle (IDLE) sessions held open through mailseal, with the heap they take.
 */
public final class ImapBench {
    /**
     * @param server   host:port of an IMAP server to measure against (its mailboxes bench-plain, bench-encrypted
     *                 and bench-warmup are created and filled), or null for an embedded GreenMail
     * @param user     a login on that server (its key is made in a throwaway key home, protected by the password)
     */
    public record Options(int messages, int size, int idleSessions, String server, String user, String password) {
        public Options(int messages, int size, int idleSessions) {
            this(messages, size, idleSessions, null, "bench@bench.test", "bench-pw");
        }
    }

    private ImapBench() {}

    public static void run(Options options, PrintWriter out) throws Exception {
        Path home = Files.createTempDirectory("mailseal-bench-keys");
        GreenMail server = null;
        String host = "127.0.0.1";
        int upstreamPort;
        if (options.server() == null) {
            server = new GreenMail(new ServerSetup(0, "127.0.0.1", "imap").dynamicPort());
            server.start();
            server.setUser(options.user(), options.user(), options.password());
            upstreamPort = server.getImap().getPort();
        } else {
            host = options.server().substring(0, options.server().lastIndexOf(':'));
            upstreamPort = Integer.parseInt(options.server().substring(options.server().lastIndexOf(':') + 1));
        }
        Target target = new Target(host, upstreamPort, options.user(), options.password());
        try {
            FileKeyHome keys = FileKeyHome.open(home);
            keys.generate(options.user(), Format.PGP_MIME, KeyAlgorithm.CV25519, options.password().toCharArray());
            fill(target, keys, options, out);
            MailsealConfig config = new MailsealConfig(home, Policy.opportunistic(), EncryptionOptions.DEFAULTS,
                    64L << 20, 100, 1 << 20, List.of()).withImapListeners(List.of(new ImapListenerConfig("imap",
                    "127.0.0.1", 0, "mailseal.bench.test", null, false, true,
                    ImapUpstreamConfig.plain(host, upstreamPort))));
            out.printf("server: %s%n", server != null ? "embedded GreenMail" : options.server());
            // Warm-up: the server's own caches and the JIT, which would otherwise be measured as decryption (a
            // long-running proxy is warm). Each round fetches a mailbox of other ciphertexts twice (cold, then
            // warm) in a proxy of its own, so that every round decrypts and the measured proxy's cache starts cold.
            for (int round = 0; round < 5; round++) {
                try (ProxyServer warmUp = ProxyServer.start(config)) {
                    Target warmUpThrough = new Target("127.0.0.1", warmUp.addresses().get(0).getPort(),
                            options.user(), options.password());
                    fetchAll(target, "bench-plain", options.messages());
                    fetchAll(warmUpThrough, "bench-warmup", options.messages());
                    fetchAll(warmUpThrough, "bench-warmup", options.messages());
                    fetchAll(warmUpThrough, "bench-plain", options.messages());
                }
            }
            try (ProxyServer proxy = ProxyServer.start(config)) {
                Target through = new Target("127.0.0.1", proxy.addresses().get(0).getPort(), options.user(),
                        options.password());
                Timed direct = fetchAll(target, "bench-plain", options.messages());
                Map<String, Long> before = cpuByThreadGroup();
                Timed cold = fetchAll(through, "bench-encrypted", options.messages());
                Map<String, Long> coldCpu = cpuByThreadGroup();
                coldCpu.replaceAll((group, nanos) -> nanos - before.getOrDefault(group, 0L));
                Timed warm = fetchAll(through, "bench-encrypted", options.messages());
                Timed plainThrough = fetchAll(through, "bench-plain", options.messages());
                out.printf("FETCH BODY[] of %,d messages of %,d bytes (one cv25519 recipient), one FETCH command%n",
                        options.messages(), options.size());
                out.printf("%-38s %9s %9s %14s%n", "", "seconds", "ratio", "CPU seconds*");
                direct.print(out, "direct from the server (plaintext)", direct);
                cold.print(out, "through mailseal, cold cache", direct);
                warm.print(out, "through mailseal, warm cache", direct);
                plainThrough.print(out, "plaintext through mailseal", direct);
                out.printf("* of this process: client and mailseal%s%n", server != null ? " and the embedded server" : "");
                BenchSupport.printCpuByThread(out, coldCpu, cold.cpuSeconds(), "GC, JIT, threads that ended");
            }
            if (options.idleSessions() > 0) {
                if (server != null) {
                    server.stop(); // its threads and sessions are not part of the measurement
                }
                idle(home, options, out);
            }
        } finally {
            if (server != null) {
                server.stop();
            }
            BenchSupport.deleteTree(home);
        }
    }

    /** Where to log in. */
    private record Target(String host, int port, String user, String password) {
        Connection login() throws IOException {
            Connection imap = new Connection(host, port);
            imap.command("LOGIN \"" + user + "\" \"" + password + "\"");
            return imap;
        }
    }

    /** Appends each message as it is to bench-plain, and encrypted to bench-encrypted and to bench-warmup. */
    private static void fill(Target target, FileKeyHome keys, Options options, PrintWriter out) throws IOException {
        MessageEncryptor encryptor = new MessageEncryptor();
        var recipients = keys.encryptionKeys(options.user());
        try (Connection imap = target.login()) {
            for (String mailbox : List.of("bench-plain", "bench-encrypted", "bench-warmup")) {
                if (imap.command("LIST \"\" " + mailbox).contains(mailbox)) {
                    imap.command("DELETE " + mailbox); // left over from an earlier run
                }
                imap.command("CREATE " + mailbox);
            }
            for (int i = 0; i < options.messages(); i++) {
                byte[] message = message(i, options.size());
                imap.append("bench-plain", message);
                for (String mailbox : List.of("bench-encrypted", "bench-warmup")) {
                    ByteArrayOutputStream encrypted = new ByteArrayOutputStream(message.length * 2);
                    encryptor.encrypt(new ByteArrayInputStream(message), message.length, encrypted, recipients);
                    imap.append(mailbox, encrypted.toByteArray());
                }
            }
        }
        out.printf("mailboxes filled: %,d plaintext and %,d encrypted messages%n", options.messages(), options.messages());
        out.flush();
    }

    static byte[] message(int index, int size) {
        StringBuilder text = new StringBuilder("From: load@bench.test\r\nTo: reader@bench.test\r\nSubject: message " + index
                + "\r\nMessage-ID: <" + index + "@bench.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n");
        java.util.Random random = new java.util.Random(index);
        byte[] line = new byte[57];
        while (text.length() < size - 80) {
            random.nextBytes(line);
            text.append(java.util.Base64.getEncoder().encodeToString(line)).append("\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** CPU time of this process's live threads so far, by what they do (decryption, mailseal's I/O, the rest). */
    static Map<String, Long> cpuByThreadGroup() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> groups = new TreeMap<>();
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            long nanos = thread == null ? -1 : threads.getThreadCpuTime(thread.getThreadId());
            if (nanos >= 0) {
                String name = thread.getThreadName();
                String group = name.equals("mailseal-crypto") ? "decryption"
                        : name.startsWith("multiThreadIoEventLoopGroup") ? "mailseal I/O"
                        : name.equals("main") ? "client" : "server and other threads";
                groups.merge(group, nanos, Long::sum);
            }
        }
        return groups;
    }

    /** How long a FETCH took, and the CPU time this process spent meanwhile (on every core). */
    record Timed(double seconds, double cpuSeconds) {
        void print(PrintWriter out, String row, Timed baseline) {
            out.printf("%-38s %9.3f %9.2f %14.3f%n", row, seconds, seconds / baseline.seconds, cpuSeconds);
        }
    }

    /** Logs in, selects, fetches every message's BODY[] in one command, and times the FETCH. */
    private static Timed fetchAll(Target target, String mailbox, int expected) throws IOException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Connection imap = target.login()) {
            imap.command("EXAMINE " + mailbox);
            long cpu = os.getProcessCpuTime();
            long started = System.nanoTime();
            int fetched = imap.fetchAll();
            Timed timed = new Timed((System.nanoTime() - started) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9);
            if (fetched != expected) {
                throw new IOException("fetched " + fetched + " messages from " + mailbox + ", expected " + expected);
            }
            return timed;
        }
    }

    /**
     * Opens IDLE sessions straight to a server that holds nothing but sessions, then as many through a mailseal in
     * front of it, and reports the heap each set holds: mailseal's share is the difference.
     */
    private static void idle(Path home, Options options, PrintWriter out) throws Exception {
        int count = options.idleSessions();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (IdleImapServer server = new IdleImapServer(group)) {
            MailsealConfig config = new MailsealConfig(home, Policy.opportunistic(), EncryptionOptions.DEFAULTS,
                    64L << 20, 100, 1 << 20, List.of()).withImapListeners(List.of(new ImapListenerConfig("imap",
                    "127.0.0.1", 0, "mailseal.bench.test", null, false, true,
                    ImapUpstreamConfig.plain("127.0.0.1", server.port()))));
            try (ProxyServer proxy = ProxyServer.start(config)) {
                long direct = idleHeap(new Target("127.0.0.1", server.port(), options.user(), options.password()), count);
                long through = idleHeap(new Target("127.0.0.1", proxy.addresses().get(0).getPort(), options.user(),
                        options.password()), count);
                out.printf("%,d IDLE sessions: straight to the server +%.1f MiB heap; through mailseal (with its "
                        + "upstream sessions) +%.1f MiB: mailseal's share %.1f MiB (%.1f KiB a session); max heap %.0f MiB%n",
                        count, direct / 1048576.0, through / 1048576.0, (through - direct) / 1048576.0,
                        (through - direct) / 1024.0 / count, Runtime.getRuntime().maxMemory() / 1048576.0);
            }
        } finally {
            group.shutdownGracefully().syncUninterruptibly();
        }
    }

    private static long idleHeap(Target target, int count) throws IOException {
        long before = heapUsedAfterGc();
        List<Connection> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Connection imap = target.login();
                sessions.add(imap);
                imap.command("SELECT INBOX");
                imap.send("i IDLE\r\n");
                String line = imap.line();
                if (!line.startsWith("+")) {
                    throw new IOException("IDLE refused: " + line);
                }
            }
            return heapUsedAfterGc() - before;
        } finally {
            for (Connection session : sessions) {
                session.close();
            }
        }
    }

    private static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A minimal blocking IMAP client: commands, APPEND, and a FETCH whose literals it reads and counts. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private int tags;

        Connection(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(120_000);
            in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
            line(); // greeting
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String command(String command) throws IOException {
            String tag = "t" + (++tags);
            send(tag + " " + command + "\r\n");
            return until(tag);
        }

        void append(String mailbox, byte[] message) throws IOException {
            String tag = "t" + (++tags);
            send(tag + " APPEND " + mailbox + " {" + message.length + "}\r\n");
            if (!line().startsWith("+")) {
                throw new IOException("APPEND refused");
            }
            byte[] withEnd = java.util.Arrays.copyOf(message, message.length + 2);
            withEnd[message.length] = '\r';
            withEnd[message.length + 1] = '\n';
            out.write(withEnd); // one write: no Nagle delay between the literal and its line end
            out.flush();
            until(tag);
        }

        /**
         * APPEND with a non-synchronizing literal (RFC 7888 LITERAL+), without waiting for the answer: a fill need not
         * wait a round trip (and the server's delayed ACKs) a message.
         *
         * @return the tag, for {@link #await}
         */
        String appendWithoutWaiting(String mailbox, byte[] message) throws IOException {
            String tag = "t" + (++tags);
            byte[] command = (tag + " APPEND " + mailbox + " {" + message.length + "+}\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] all = java.util.Arrays.copyOf(command, command.length + message.length + 2);
            System.arraycopy(message, 0, all, command.length, message.length);
            all[all.length - 2] = '\r';
            all[all.length - 1] = '\n';
            out.write(all);
            out.flush();
            return tag;
        }

        /** Reads up to the completion of an earlier command, which must be OK. */
        String await(String tag) throws IOException {
            return until(tag);
        }

        int fetchAll() throws IOException {
            String tag = "t" + (++tags);
            send(tag + " FETCH 1:* (BODY.PEEK[])\r\n");
            int messages = 0;
            while (true) {
                String line = line();
                if (line.startsWith(tag + " ")) {
                    if (!line.startsWith(tag + " OK")) {
                        throw new IOException("FETCH failed: " + line.trim());
                    }
                    return messages;
                }
                while (line.endsWith("}\r\n")) {
                    int size = Integer.parseInt(line.substring(line.lastIndexOf('{') + 1, line.length() - 3));
                    in.skipNBytes(size);
                    messages++;
                    line = line();
                }
            }
        }

        /** Every line up to and including the tagged completion (which must be OK). */
        private String until(String tag) throws IOException {
            StringBuilder all = new StringBuilder();
            while (true) {
                String line = line();
                all.append(line);
                if (line.startsWith(tag + " ")) {
                    if (!line.startsWith(tag + " OK")) {
                        throw new IOException("command failed: " + line.trim());
                    }
                    return all.toString();
                }
            }
        }

        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(128);
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    return line.toString(StandardCharsets.ISO_8859_1);
                }
            }
            throw new IOException("connection closed");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
