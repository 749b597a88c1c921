package org.mailseal.imap.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The throwaway Dovecot of {@code src/test/dovecot/dovecot.sh} (IMAP only, loopback, user
 * {@code oracle@example.org}/{@code oraclepw} plus any extra accounts), in a directory of its own that goes with it.
 */
public final class ThrowawayDovecot implements AutoCloseable {
    private static final Path SCRIPT = Paths.get("src/test/dovecot/dovecot.sh").toAbsolutePath();

    private final Path base;
    private final int port;

    private ThrowawayDovecot(Path base, int port) {
        this.base = base;
        this.port = port;
    }

    /** @param accounts extra accounts as {@code user@domain:password} */
    public static ThrowawayDovecot start(String name, List<String> accounts) throws IOException, InterruptedException {
        int port = freeLowPort();
        // Short path: Dovecot's unix sockets live under BASE and sun_path is limited to 108 octets.
        ThrowawayDovecot dovecot = new ThrowawayDovecot(Files.createTempDirectory(Paths.get("/tmp"), name + "-"), port);
        List<String> args = new ArrayList<>(List.of("start"));
        args.addAll(accounts);
        dovecot.run(args);
        return dovecot;
    }

    /** A free loopback port below 32768 (the ephemeral range above it is left to the system). */
    private static int freeLowPort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port below 32768");
    }

    public int port() {
        return port;
    }

    /** The Maildir Dovecot serves for {@code user} (mail_location {@code maildir:BASE/mail/%u/Maildir}). */
    public Path maildir(String user) {
        return base.resolve("mail").resolve(user).resolve("Maildir");
    }

    private void run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), args.get(0), base.toString(),
                Integer.toString(port)));
        command.addAll(args.subList(1, args.size()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("dovecot.sh " + args.get(0) + " failed:\n"
                    + new String(output, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws IOException {
        try {
            run(List.of("stop"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try (Stream<Path> files = Files.walk(base)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
