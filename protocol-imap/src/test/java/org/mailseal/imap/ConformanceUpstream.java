package org.mailseal.imap;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** A real IMAP server for the conformance transcripts, handing out a fresh account for every session. */
abstract class ConformanceUpstream implements AutoCloseable {
    record Account(String user, String password) {}

    private final AtomicInteger accounts = new AtomicInteger();

    abstract int port();

    /** A fresh, empty account. */
    final Account newAccount() {
        return account("c" + accounts.incrementAndGet() + "@example.org");
    }

    abstract Account account(String user);

    @Override
    public abstract void close() throws IOException;

    /**
     * Stores messages with a connection of its own, straight to the server, as a delivery would: the encrypted ones
     * (when {@code encrypt}) as {@link FakeCrypto#encrypt} makes them, all with their flags and an INTERNALDATE
     * that depends only on the message's place in the transcript, so both accounts get the same.
     */
    void store(Account account, List<String> mailboxes, List<Transcript.Message> messages, int firstIndex,
               boolean encrypt) throws IOException {
        try (ImapTestClient direct = new ImapTestClient(port())) {
            direct.greeting();
            expectOk(direct.command("l", "LOGIN " + account.user() + " " + account.password()), "LOGIN");
            for (String mailbox : mailboxes) {
                expectOk(direct.command("c", "CREATE " + mailbox), "CREATE " + mailbox);
            }
            int index = firstIndex;
            for (Transcript.Message m : messages) {
                String text = new String(m.plaintext(), StandardCharsets.ISO_8859_1);
                byte[] stored = (encrypt && m.encrypted() ? FakeCrypto.encrypt(text) : text)
                        .getBytes(StandardCharsets.ISO_8859_1);
                String date = String.format("%02d-Mar-2025 10:%02d:00 +0000", 1 + index / 60, index % 60);
                index++;
                direct.send("a APPEND " + m.mailbox() + " " + m.flags() + " \"" + date + "\" {" + stored.length + "}\r\n");
                String cont = direct.line();
                if (!cont.startsWith("+")) {
                    throw new IOException("APPEND refused: " + cont);
                }
                direct.send(stored);
                direct.send("\r\n");
                expectOk(direct.until("a"), "APPEND");
            }
            direct.command("z", "LOGOUT");
        }
    }

    private static void expectOk(String response, String what) throws IOException {
        String[] last = lastLine(response).split(" ");
        if (last.length < 2 || !last[1].equalsIgnoreCase("OK")) {
            throw new IOException(what + " failed: " + response);
        }
    }

    private static String lastLine(String response) {
        String trimmed = response.substring(0, response.length() - 2);
        return trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }

    static ConformanceUpstream start(String name) throws Exception {
        return switch (name) {
            case "greenmail" -> new GreenMailUpstream();
            case "dovecot" -> new DovecotUpstream();
            default -> throw new IllegalArgumentException(name);
        };
    }

    static final class GreenMailUpstream extends ConformanceUpstream {
        private final GreenMail greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", "imap").dynamicPort());

        GreenMailUpstream() {
            greenMail.start();
        }

        @Override
        int port() {
            return greenMail.getImap().getPort();
        }

        @Override
        Account account(String user) {
            greenMail.setUser(user, user, "pw");
            return new Account(user, "pw");
        }

        @Override
        public void close() {
            greenMail.stop();
        }

        @Override
        public String toString() {
            return "greenmail";
        }
    }

    /** The throwaway Dovecot of src/test/dovecot/dovecot.sh, with a pool of accounts created at start. */
    static final class DovecotUpstream extends ConformanceUpstream {
        private static final Path SCRIPT = Paths.get("src/test/dovecot/dovecot.sh").toAbsolutePath();
        private static final int POOL = 100;
        private final Path base;
        private final int port;

        DovecotUpstream() throws IOException, InterruptedException {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            // Short path: Dovecot's unix sockets live under BASE and sun_path is limited to 108 octets.
            base = Files.createTempDirectory(Paths.get("/tmp"), "dovecot-conform-");
            List<String> args = new ArrayList<>(List.of("start"));
            for (int i = 1; i <= POOL; i++) {
                args.add("c" + i + "@example.org:pw");
            }
            run(args);
        }

        @Override
        int port() {
            return port;
        }

        @Override
        Account account(String user) {
            if (Integer.parseInt(user.substring(1, user.indexOf('@'))) > POOL) {
                throw new IllegalStateException("more than " + POOL + " accounts: raise DovecotUpstream.POOL");
            }
            return new Account(user, "pw");
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

        @Override
        public String toString() {
            return "dovecot";
        }
    }
}
