package org.mailseal.pop3.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The throwaway Dovecot of {@code src/test/dovecot/dovecot.sh}: IMAP (to fill mailboxes with APPEND) and POP3 on
 * 127.0.0.1, plaintext logins, Maildir in a directory of its own that goes with it.
 */
public final class ThrowawayDovecot implements AutoCloseable {
    private static final Path SCRIPT = Paths.get("src/test/dovecot/dovecot.sh").toAbsolutePath();
    /** Ports are taken from here, below Linux's ephemeral range (32768-60999) that {@code new ServerSocket(0)} uses. */
    private static final int LOWEST_PORT = 20000;
    private static final int HIGHEST_PORT = 32767;
    /** A port found free can be taken before Dovecot binds it; a start that fails is retried on other ports. */
    private static final int ATTEMPTS = 3;

    private final Path base;
    private final int imapPort;
    private final int pop3Port;

    private ThrowawayDovecot(Path base, int imapPort, int pop3Port) {
        this.base = base;
        this.imapPort = imapPort;
        this.pop3Port = pop3Port;
    }

    /** Whether a {@code dovecot} binary is installed where the script looks for it (PATH, /usr/sbin, /sbin). */
    public static boolean installed() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        return dirs.stream().anyMatch(d -> !d.isEmpty() && Files.isExecutable(Paths.get(d, "dovecot")));
    }

    /**
     * @param name prefix of the scratch directory under /tmp
     * @param accounts the accounts, each {@code user@domain:password}
     */
    public static ThrowawayDovecot start(String name, List<String> accounts) throws IOException, InterruptedException {
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int imapPort = freePort(-1);
            int pop3Port = freePort(imapPort);
            // Short path: Dovecot's unix sockets live under BASE and sun_path is limited to 108 octets.
            ThrowawayDovecot dovecot = new ThrowawayDovecot(
                    Files.createTempDirectory(Paths.get("/tmp"), name + "-"), imapPort, pop3Port);
            List<String> args = new ArrayList<>(List.of("start"));
            args.addAll(accounts);
            try {
                dovecot.run(args);
                return dovecot;
            } catch (IllegalStateException e) {
                dovecot.deleteBase();
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        throw failure;
    }

    public int imapPort() {
        return imapPort;
    }

    public int pop3Port() {
        return pop3Port;
    }

    private static int freePort(int other) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < 200; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, HIGHEST_PORT + 1);
            if (port == other) {
                continue;
            }
            try {
                new ServerSocket(port, 1, loopback).close();
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port in " + LOWEST_PORT + "-" + HIGHEST_PORT);
    }

    private void run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), args.get(0), base.toString(),
                Integer.toString(imapPort), Integer.toString(pop3Port)));
        command.addAll(args.subList(1, args.size()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("dovecot.sh " + args.get(0) + " failed:\n"
                    + new String(output, StandardCharsets.UTF_8));
        }
    }

    private void deleteBase() throws IOException {
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            run(List.of("stop"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteBase();
        }
    }
}
