package org.mailseal.imap;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.mailseal.imap.testing.ThrowawayDovecot;

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
        private static final int POOL = 100;
        private final ThrowawayDovecot dovecot;

        DovecotUpstream() throws IOException, InterruptedException {
            List<String> accounts = new ArrayList<>();
            for (int i = 1; i <= POOL; i++) {
                accounts.add("c" + i + "@example.org:pw");
            }
            dovecot = ThrowawayDovecot.start("dovecot-conform", accounts);
        }

        @Override
        int port() {
            return dovecot.port();
        }

        @Override
        Account account(String user) {
            if (Integer.parseInt(user.substring(1, user.indexOf('@'))) > POOL) {
                throw new IllegalStateException("more than " + POOL + " accounts: raise DovecotUpstream.POOL");
            }
            return new Account(user, "pw");
        }

        @Override
        public void close() throws IOException {
            dovecot.close();
        }

        @Override
        public String toString() {
            return "dovecot";
        }
    }
}
