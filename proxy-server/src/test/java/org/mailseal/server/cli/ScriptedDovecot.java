package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The test suite's throwaway Dovecot ({@code protocol-imap/src/test/dovecot/dovecot.sh}: IMAP only, plaintext,
 * loopback) on a free port below 32768, for the command-line tests that need a real IMAP server.
 */
final class ScriptedDovecot implements AutoCloseable {
    private static final Path SCRIPT = Path.of("../protocol-imap/src/test/dovecot/dovecot.sh").toAbsolutePath();

    private final Path base;
    private final int port;

    private ScriptedDovecot(Path base, int port) {
        this.base = base;
        this.port = port;
    }

    /** @param accounts {@code user@domain:password} */
    static ScriptedDovecot start(String name, List<String> accounts) throws Exception {
        ScriptedDovecot dovecot = new ScriptedDovecot(Files.createTempDirectory(Path.of("/tmp"), name + "-"),
                freePort());
        dovecot.script("start", accounts);
        return dovecot;
    }

    private static int freePort() throws IOException {
        Random random = new Random();
        for (int i = 0; i < 200; i++) {
            int candidate = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException taken) {
                // another
            }
        }
        throw new IOException("no free port below 32768");
    }

    int port() {
        return port;
    }

    private void script(String command, List<String> accounts) throws Exception {
        List<String> args = new ArrayList<>(List.of("bash", SCRIPT.toString(), command, base.toString(),
                Integer.toString(port)));
        args.addAll(accounts);
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    @Override
    public void close() throws Exception {
        script("stop", List.of());
    }
}
