package org.mailseal.server.bench;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.pop3.Pop3Server;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.server.ProtocolHandler;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.server.bench.ImapBench.Timed;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.config.Pop3ListenerConfig;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.run.ProxyServer;

/**
 * {@code mailseal bench pop3}: POP3 has one maildrop per user, so three accounts on the same server: one holding N
 * plaintext messages, one holding the same N messages encrypted to its own cv25519 key, and one holding them
 * encrypted to another key for the warm-up (so that the measured proxy's cache starts cold). The accounts are filled
 * over IMAP APPEND to their INBOX, which the server's POP3 serves. After the warm-up, RETR of every plaintext message
 * straight from the server, then of every encrypted one through mailseal with a cold and a warm cache, then of the
 * plaintext ones through mailseal, and last of the encrypted ones straight from the server (what the server's part of
 * the cold run costs), in one run. RETRs go one at a time, each waiting for its answer, as fetchmail and Python's
 * poplib do. Every message retrieved is checked against the original octets (for the last row, the ciphertext).
 */
public final class Pop3Bench {
    /** The logins of the embedded server's accounts: plaintext, encrypted, warm-up. */
    public static final List<String> DEFAULT_USERS =
            List.of("plain@bench.test", "encrypted@bench.test", "warmup@bench.test");

    /**
     * @param server     host:port of a POP3 server to measure against, or null for an embedded GreenMail
     * @param imapServer host:port of the IMAP server sharing that server's store, to fill the accounts
     * @param users      three logins (addresses): the plaintext, the encrypted and the warm-up account; each gets a
     *                   key in a throwaway key home, protected by its password
     * @param passwords  one password for all three, or one for each
     */
    public record Options(int messages, int size, String server, String imapServer, List<String> users,
                          List<String> passwords) {
        public Options {
            if (users.size() != 3) {
                throw new IllegalArgumentException("three accounts: plaintext, encrypted, warm-up");
            }
            if (passwords.size() != 1 && passwords.size() != 3) {
                throw new IllegalArgumentException("one password for all accounts, or one for each");
            }
            users = List.copyOf(users);
            passwords = List.copyOf(passwords);
        }

        public Options(int messages, int size) {
            this(messages, size, null, null, DEFAULT_USERS, List.of("bench-pw"));
        }

        Account account(int index) {
            return new Account(users.get(index), passwords.get(passwords.size() == 1 ? 0 : index));
        }
    }

    /** A login and its password. */
    private record Account(String user, String password) {}

    /** Where to log in over POP3, and as whom. */
    private record Target(String host, int port, Account account) {
        Pop3Connection login() throws IOException {
            Pop3Connection pop3 = new Pop3Connection(host, port);
            pop3.command("USER " + account.user());
            pop3.command("PASS " + account.password());
            return pop3;
        }
    }

    private Pop3Bench() {}

    public static void run(Options options, PrintWriter out) throws Exception {
        Path home = Files.createTempDirectory("mailseal-bench-keys");
        Account plain = options.account(0);
        Account encrypted = options.account(1);
        Account warmUp = options.account(2);
        GreenMail server = null;
        String host = "127.0.0.1";
        String imapHost = "127.0.0.1";
        int pop3Port;
        int imapPort;
        if (options.server() == null) {
            server = new NoDelayGreenMail(new ServerSetup[] {
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort(),
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3).dynamicPort()});
            server.start();
            for (Account account : List.of(plain, encrypted, warmUp)) {
                server.setUser(account.user(), account.user(), account.password());
            }
            pop3Port = server.getPop3().getPort();
            imapPort = server.getImap().getPort();
        } else {
            host = options.server().substring(0, options.server().lastIndexOf(':'));
            pop3Port = Integer.parseInt(options.server().substring(options.server().lastIndexOf(':') + 1));
            imapHost = options.imapServer().substring(0, options.imapServer().lastIndexOf(':'));
            imapPort = Integer.parseInt(options.imapServer().substring(options.imapServer().lastIndexOf(':') + 1));
        }
        try {
            FileKeyHome keys = FileKeyHome.open(home);
            // The plaintext account has a key too: a mailseal user's plaintext mail is looked at, then passed on.
            for (Account account : List.of(plain, encrypted, warmUp)) {
                keys.generate(account.user(), Format.PGP_MIME, KeyAlgorithm.CV25519, account.password().toCharArray());
            }
            List<byte[]> originals = new ArrayList<>(options.messages());
            for (int i = 0; i < options.messages(); i++) {
                originals.add(ImapBench.message(i, options.size()));
            }
            List<byte[]> ciphertexts = fill(imapHost, imapPort, keys, List.of(plain, encrypted, warmUp), originals, out);
            MailsealConfig config = new MailsealConfig(home, Policy.opportunistic(), EncryptionOptions.DEFAULTS,
                    64L << 20, 100, 1 << 20, List.of()).withPop3Listeners(List.of(new Pop3ListenerConfig("pop3",
                    "127.0.0.1", 0, "mailseal.bench.test", null, false, true,
                    Pop3UpstreamConfig.plain(host, pop3Port), null)));
            out.printf("server: %s%n", server != null ? "embedded GreenMail (with TCP_NODELAY)"
                    : "POP3 " + options.server() + " (filled over IMAP " + options.imapServer() + ")");
            Target direct = new Target(host, pop3Port, plain);
            // Warm-up: the server's own caches and the JIT, which would otherwise be measured as decryption (a
            // long-running proxy is warm). Each round retrieves a maildrop of other ciphertexts twice (cold, then
            // warm) in a proxy of its own, so that every round decrypts and the measured proxy's cache starts cold.
            for (int round = 0; round < 5; round++) {
                try (ProxyServer proxy = ProxyServer.start(config)) {
                    int port = proxy.addresses().get(0).getPort();
                    retrieveAll(direct, originals, "direct", null);
                    retrieveAll(new Target("127.0.0.1", port, warmUp), originals, "warm-up, cold", null);
                    retrieveAll(new Target("127.0.0.1", port, warmUp), originals, "warm-up, warm", null);
                    retrieveAll(new Target("127.0.0.1", port, plain), originals, "warm-up, plaintext", null);
                }
            }
            try (ProxyServer proxy = ProxyServer.start(config)) {
                int port = proxy.addresses().get(0).getPort();
                Timed straight = retrieveAll(direct, originals, "direct", null);
                Map<String, Long> coldCpu = new TreeMap<>();
                Timed cold = retrieveAll(new Target("127.0.0.1", port, encrypted), originals, "cold", coldCpu);
                Timed warm = retrieveAll(new Target("127.0.0.1", port, encrypted), originals, "warm", null);
                Timed plainThrough = retrieveAll(new Target("127.0.0.1", port, plain), originals, "plaintext", null);
                Timed stored = retrieveAll(new Target(host, pop3Port, encrypted), ciphertexts, "ciphertext", null);
                out.printf("RETR of %,d messages of %,d bytes (one cv25519 recipient), one RETR at a time, each waiting "
                        + "for its answer (as fetchmail and poplib do); every message checked against the original%n",
                        options.messages(), options.size());
                out.printf("%-38s %9s %9s %14s%n", "", "seconds", "ratio", "CPU seconds*");
                straight.print(out, "direct from the server (plaintext)", straight);
                cold.print(out, "through mailseal, cold cache", straight);
                warm.print(out, "through mailseal, warm cache", straight);
                plainThrough.print(out, "plaintext through mailseal", straight);
                stored.print(out, "ciphertext direct from the server", straight);
                out.printf("* of this process: client and mailseal%s%n", server != null ? " and the embedded server" : "");
                BenchSupport.printCpuByThread(out, coldCpu, cold.cpuSeconds(), "GC, JIT");
            }
        } finally {
            if (server != null) {
                server.stop();
            }
            BenchSupport.deleteTree(home);
        }
    }

    /**
     * GreenMail whose POP3 connections have TCP_NODELAY. GreenMail answers RETR in three flushed writes ("+OK", the
     * message, "."); without TCP_NODELAY, Nagle's algorithm holds the message until the client acknowledges the "+OK",
     * which a client waiting for the rest acknowledges only when its delayed-ACK timer fires (40 ms on Linux): every
     * RETR would take 40 ms, straight or through mailseal alike, and the bench would measure that timer.
     */
    private static final class NoDelayGreenMail extends GreenMail {
        NoDelayGreenMail(ServerSetup[] setups) {
            super(setups);
        }

        @Override
        protected Map<String, AbstractServer> createServices(ServerSetup[] setups, Managers managers) {
            Map<String, AbstractServer> services = super.createServices(setups, managers);
            services.computeIfPresent(ServerSetup.PROTOCOL_POP3, (protocol, pop3) -> new Pop3Server(pop3.getServerSetup(),
                    managers) {
                @Override
                protected ProtocolHandler createProtocolHandler(Socket socket) {
                    return super.createProtocolHandler(noDelay(socket));
                }
            });
            return services;
        }

        private static Socket noDelay(Socket socket) {
            try {
                socket.setTcpNoDelay(true);
                return socket;
            } catch (SocketException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Empties each account's INBOX (left over from an earlier run) and appends the messages to it: as they are to the
     * first account, encrypted to its own key to each of the others.
     *
     * @return the ciphertexts stored for the second account
     */
    private static List<byte[]> fill(String host, int port, FileKeyHome keys, List<Account> accounts,
                                     List<byte[]> originals, PrintWriter out) throws IOException {
        MessageEncryptor encryptor = new MessageEncryptor();
        List<byte[]> ciphertexts = new ArrayList<>(originals.size());
        long ciphertextBytes = 0;
        List<ImapBench.Connection> sessions = new ArrayList<>();
        List<ArrayDeque<String>> pending = new ArrayList<>();
        List<List<RecipientKey>> recipients = new ArrayList<>();
        boolean literalPlus = true;
        try {
            for (Account account : accounts) {
                ImapBench.Connection imap = new ImapBench.Connection(host, port);
                sessions.add(imap);
                pending.add(new ArrayDeque<>());
                recipients.add(keys.encryptionKeys(account.user()));
                imap.command("LOGIN \"" + account.user() + "\" \"" + account.password() + "\"");
                literalPlus &= imap.command("CAPABILITY").toUpperCase(java.util.Locale.ROOT).contains(" LITERAL+");
                if (!imap.command("SELECT INBOX").contains("* 0 EXISTS")) {
                    imap.command("STORE 1:* +FLAGS.SILENT (\\Deleted)");
                    imap.command("EXPUNGE");
                }
            }
            for (byte[] message : originals) {
                for (int i = 0; i < accounts.size(); i++) {
                    byte[] stored = message;
                    if (i > 0) {
                        ByteArrayOutputStream encrypted = new ByteArrayOutputStream(message.length * 2);
                        encryptor.encrypt(new ByteArrayInputStream(message), message.length, encrypted, recipients.get(i));
                        stored = encrypted.toByteArray();
                    }
                    if (i == 1) {
                        ciphertexts.add(stored);
                        ciphertextBytes += stored.length;
                    }
                    if (!literalPlus) {
                        sessions.get(i).append("INBOX", stored);
                        continue;
                    }
                    // A window of APPENDs in flight: one at a time, a server that answers in more than one write
                    // (GreenMail) makes every APPEND wait for the client's delayed ACK, 40 ms.
                    pending.get(i).add(sessions.get(i).appendWithoutWaiting("INBOX", stored));
                    if (pending.get(i).size() >= 32) {
                        sessions.get(i).await(pending.get(i).remove());
                    }
                }
            }
            for (int i = 0; i < accounts.size(); i++) {
                while (!pending.get(i).isEmpty()) {
                    sessions.get(i).await(pending.get(i).remove());
                }
                sessions.get(i).command("LOGOUT");
            }
        } finally {
            for (ImapBench.Connection imap : sessions) {
                imap.close();
            }
        }
        out.printf("maildrops filled: %,d plaintext messages (%s), %,d encrypted (%s; %,d bytes each on average), %,d "
                + "encrypted for the warm-up (%s)%n", originals.size(), accounts.get(0).user(), originals.size(),
                accounts.get(1).user(), ciphertextBytes / originals.size(), originals.size(), accounts.get(2).user());
        out.flush();
        return ciphertexts;
    }

    /**
     * Logs in, checks with STAT that the maildrop holds the expected number of messages, then times RETR 1..N, one at
     * a time; every message must equal its original (plaintext, or the plaintext of what was encrypted).
     *
     * @param byThread null, or where to put the CPU time of this process's threads during the RETRs, by what they do
     *                 (measured before QUIT, while the server's thread for the session is alive)
     */
    private static Timed retrieveAll(Target target, List<byte[]> originals, String what, Map<String, Long> byThread)
            throws IOException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Pop3Connection pop3 = target.login()) {
            String stat = pop3.command("STAT");
            int count = Integer.parseInt(stat.split(" ")[1]);
            if (count != originals.size()) {
                throw new IOException(what + ": " + target.account().user() + " holds " + count + " messages, expected "
                        + originals.size());
            }
            Map<String, Long> before = byThread == null ? null : ImapBench.cpuByThreadGroup();
            long cpu = os.getProcessCpuTime();
            long started = System.nanoTime();
            for (int n = 1; n <= count; n++) {
                byte[] message = pop3.retr(n);
                if (!Arrays.equals(message, originals.get(n - 1))) {
                    throw new IOException(what + ": RETR " + n + " of " + target.account().user() + " at port "
                            + target.port() + " is not the original message (" + message.length + " octets, expected "
                            + originals.get(n - 1).length + "); it begins: "
                            + new String(message, 0, Math.min(200, message.length), StandardCharsets.ISO_8859_1));
                }
            }
            Timed timed = new Timed((System.nanoTime() - started) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9);
            if (byThread != null) {
                byThread.putAll(ImapBench.cpuByThreadGroup());
                byThread.replaceAll((group, nanos) -> nanos - before.getOrDefault(group, 0L));
            }
            pop3.command("QUIT");
            return timed;
        }
    }

    /** A minimal blocking POP3 client: single-line commands, and RETR with the message un-dot-stuffed. */
    private static final class Pop3Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[1 << 16];
        private int position;
        private int limit;
        /** The last line read, with its CRLF. */
        private byte[] line = new byte[1024];
        private int lineLength;

        Pop3Connection(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(120_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            String greeting = status();
            if (!greeting.startsWith("+OK")) {
                throw new IOException("POP3 greeting: " + greeting);
            }
        }

        /** Sends a command and returns its (single-line, +OK) answer. */
        String command(String command) throws IOException {
            send(command);
            String answer = status();
            if (!answer.startsWith("+OK")) {
                throw new IOException((command.startsWith("PASS ") ? "PASS" : command) + ": " + answer);
            }
            return answer;
        }

        byte[] retr(int n) throws IOException {
            send("RETR " + n);
            String answer = status();
            if (!answer.startsWith("+OK")) {
                throw new IOException("RETR " + n + ": " + answer);
            }
            byte[] message = new byte[1 << 15];
            int length = 0;
            while (true) {
                readLine();
                if (lineLength == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n') {
                    return Arrays.copyOf(message, length);
                }
                int from = line[0] == '.' ? 1 : 0; // dot-stuffed (RFC 1939 §3)
                if (length + lineLength - from > message.length) {
                    message = Arrays.copyOf(message, Math.max(message.length * 2, length + lineLength));
                }
                System.arraycopy(line, from, message, length, lineLength - from);
                length += lineLength - from;
            }
        }

        private void send(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private String status() throws IOException {
            readLine();
            return new String(line, 0, lineLength, StandardCharsets.ISO_8859_1).trim();
        }

        /** Reads up to and including the next LF into {@link #line}. */
        private void readLine() throws IOException {
            lineLength = 0;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit < 0) {
                        limit = 0;
                        throw new IOException("connection closed");
                    }
                }
                int end = position;
                while (end < limit && buffer[end] != '\n') {
                    end++;
                }
                boolean found = end < limit;
                int take = (found ? end + 1 : end) - position;
                if (lineLength + take > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + take));
                }
                System.arraycopy(buffer, position, line, lineLength, take);
                lineLength += take;
                position += take;
                if (found) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
