package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's POP3 port as a newcomer uses it: mail sent through the demo's SMTP to bob (OpenPGP) and carol (S/MIME)
 * is ciphertext at the mail server and reads as the original through mailseal's POP3, with Python's poplib, with
 * fetchmail into an mbox, and with curl.
 */
class DemoPop3Test {
    static final String BODY = "Hello Bob and Carol!\n.\n.. and a line that starts with dots\nThe launch date is the 3rd.\n";
    /** fetchmail's runner lives with the POP3 module's tests (Maven runs tests in the module's directory). */
    static final Path FETCH = Paths.get("../protocol-pop3/src/test/fetchmail/fetch.sh").toAbsolutePath().normalize();
    @TempDir
    static Path home;
    static Demo demo;

    @BeforeAll
    static void sendThroughTheDemo() throws Exception {
        demo = Demo.start(home, DemoPorts.freeBase());
        Clients.sendLaunchPlans(demo, BODY, false);
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    @Test
    void pythonsPoplibReadsThePlaintextWithTheSizeListReports() throws Exception {
        String script = """
                import poplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                for user in ("bob", "carol"):
                    p = poplib.POP3("127.0.0.1", int(sys.argv[1])); p.stls(context=ctx)
                    p.user(user + "@demo.test"); p.pass_(user + "-pw")
                    resp, lines, octets = p.retr(1)
                    message = b"\\r\\n".join(lines) + b"\\r\\n"
                    listed = int(p.list(1).split()[2])
                    top = b"\\r\\n".join(p.top(1, 0)[1]).decode()
                    print(user, "size-matches" if listed == len(message) else "size-differs %d %d" % (listed, len(message)))
                    print(user, "top-has-subject" if "Subject: Launch plans" in top and "launch date" not in top else top)
                    print(message.decode("utf-8"))
                    p.quit()
                """;
        String output = Clients.run("python3", "-c", script, String.valueOf(demo.ports().pop3()));
        assertThat(output).contains("bob size-matches").contains("carol size-matches")
                .contains("bob top-has-subject").contains("carol top-has-subject")
                .contains("Subject: Launch plans").contains("\r\n.\r\n.. and a line that starts with dots\r\n")
                .contains("The launch date is the 3rd.").doesNotContain("BEGIN PGP MESSAGE").doesNotContain("smime.p7m")
                .endsWith("exit 0");
    }

    @Test
    void fetchmailDeliversThePlaintextIntoAnMbox(@TempDir Path dir) throws Exception {
        Path mbox = dir.resolve("bob.mbox");
        // -v on top of the script's own: debug level, where fetchmail notes sizes that differ from LIST's.
        String output = Clients.run("bash", FETCH.toString(), "127.0.0.1", String.valueOf(demo.ports().pop3()),
                "bob@demo.test", "bob-pw", mbox.toString(), "--keep", "-v");
        assertThat(output).contains("1 message").doesNotContain("not the expected length").endsWith("exit 0");
        String delivered = Files.readString(mbox, StandardCharsets.UTF_8);
        assertThat(delivered).contains("Subject: Launch plans").contains("\n.\n.. and a line that starts with dots\n")
                .doesNotContain("BEGIN PGP MESSAGE");
    }

    @Test
    void curlListsAndRetrievesIt() throws Exception {
        String base = "pop3://127.0.0.1:" + demo.ports().pop3() + "/";
        String list = Clients.run("curl", "-sS", "--ssl-reqd", "-k", "--user", "bob@demo.test:bob-pw", base);
        assertThat(list).matches("(?s)1 \\d+\r?\n.*exit 0");
        String message = Clients.run("curl", "-sS", "--ssl-reqd", "-k", "--user", "bob@demo.test:bob-pw", base + "1");
        assertThat(message).contains("Subject: Launch plans").contains("The launch date is the 3rd.")
                .doesNotContain("PGP MESSAGE").endsWith("exit 0");
    }
}
