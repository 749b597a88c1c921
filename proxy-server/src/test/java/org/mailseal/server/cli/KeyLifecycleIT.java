package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.server.demo.Clients;
import org.mailseal.server.demo.Demo;
import org.mailseal.server.demo.DemoPorts;

/**
 * {@code keys passwd} and {@code keys rotate} from the shaded jar against a running demo's key home, as an
 * administrator uses them: mail stored before the change still reads as plaintext through mailseal's POP3 with the
 * new password, and the old password no longer opens the key.
 */
class KeyLifecycleIT {
    @TempDir
    Path dir;
    private Demo demo;

    @BeforeEach
    void start() throws Exception {
        demo = Demo.start(dir.resolve("home"), DemoPorts.freeBase());
    }

    @AfterEach
    void stop() {
        demo.close();
    }

    private void send(String subject) throws Exception {
        String script = """
                import smtplib, ssl, sys
                from email.message import EmailMessage
                m = EmailMessage(); m["From"] = "alice@demo.test"; m["To"] = "bob@demo.test"; m["Subject"] = sys.argv[2]
                m.set_content("The text of " + sys.argv[2] + ".\\n")
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
                    s.starttls(context=ctx); s.login("alice@demo.test", "alice-pw"); s.send_message(m)
                """;
        Clients.python(script, String.valueOf(demo.ports().submission()), subject);
    }

    /** Every message in bob's maildrop, read through mailseal's POP3 with this password (or the -ERR). */
    private String readAsBob(String password) throws Exception {
        String script = """
                import poplib, sys
                p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
                try:
                    p.user("bob@demo.test"); p.pass_(sys.argv[2])
                except poplib.error_proto as e:
                    print("refused", e); sys.exit(0)
                for i in range(1, len(p.list()[1]) + 1):
                    print(b"\\r\\n".join(p.retr(i)[1]).decode())
                p.quit()
                """;
        return Clients.python(script, String.valueOf(demo.ports().pop3()), password);
    }

    @Test
    void afterKeysPasswdTheNewPasswordReadsOldMailAndTheOldOneNoLonger() throws Exception {
        send("Before the change");
        assertThat(demo.mailServer().waitForIncomingEmail(10_000, 1)).isTrue();
        Path oldFile = Files.writeString(dir.resolve("old.pw"), "bob-pw\n");
        Path newFile = Files.writeString(dir.resolve("new.pw"), "bob's new pw\n");

        Cli.Result passwd = Cli.run("keys", "passwd", "--home", dir.resolve("home").toString(), "--email",
                "bob@demo.test", "--password-file", oldFile.toString(), "--new-password-file", newFile.toString());
        assertThat(passwd.exitCode()).as(passwd.stderr()).isZero();
        assertThat(passwd.out()).contains("1 key(s) of bob@demo.test now open with the new passphrase");
        // The mail server's password changes too (that is why keys passwd runs).
        demo.mailServer().getUserManager().getUserByEmail("bob@demo.test").setPassword("bob's new pw");

        assertThat(readAsBob("bob's new pw")).contains("Subject: Before the change")
                .contains("The text of Before the change.").doesNotContain("BEGIN PGP MESSAGE");
        assertThat(readAsBob("bob-pw")).startsWith("refused");
        // The key itself: the old passphrase no longer opens it, whatever the mail server says.
        Cli.Result again = Cli.run("keys", "passwd", "--home", dir.resolve("home").toString(), "--email",
                "bob@demo.test", "--password-file", oldFile.toString(), "--new-password-file", oldFile.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.stderr()).contains("wrong passphrase for bob@demo.test");
    }

    @Test
    void afterKeysRotateNewMailGoesToTheNewKeyAndOldMailStillReads() throws Exception {
        send("To the first key");
        assertThat(demo.mailServer().waitForIncomingEmail(10_000, 1)).isTrue();
        String home = dir.resolve("home").toString();
        Cli.Result rotate = Cli.run("keys", "rotate", "--home", home, "--email", "bob@demo.test", "--password",
                "bob-pw");
        assertThat(rotate.exitCode()).as(rotate.stderr()).isZero();
        assertThat(rotate.out()).containsPattern("pgp +ed25519 +valid +yes .*bob@demo.test")
                .containsPattern("pgp +ed25519 +retired +yes .*bob@demo.test");
        send("To the second key");
        assertThat(demo.mailServer().waitForIncomingEmail(10_000, 2)).isTrue();

        String read = readAsBob("bob-pw");
        assertThat(read).contains("The text of To the first key.").contains("The text of To the second key.")
                .doesNotContain("BEGIN PGP MESSAGE");
        Cli.Result list = Cli.run("keys", "list", "--home", home);
        assertThat(list.out()).containsPattern("retired +yes .*bob@demo.test");
        Cli.Result retired = Cli.run("keys", "retire", "--home", home, "--email", "bob@demo.test");
        assertThat(retired.out()).contains("1 retired key(s) of bob@demo.test kept (--purge deletes them)");
        Cli.Result purged = Cli.run("keys", "retire", "--home", home, "--email", "bob@demo.test", "--purge");
        assertThat(purged.exitCode()).as(purged.stderr()).isZero();
        assertThat(purged.out()).contains("1 retired key(s) of bob@demo.test deleted");
        assertThat(Cli.run("keys", "list", "--home", home).out()).doesNotContain("retired");
    }

    @Test
    void keysRotateCanTakeAKeyMadeElsewhere() throws Exception {
        String home = dir.resolve("home").toString();
        String other = dir.resolve("other").toString();
        assertThat(Cli.run("keys", "generate", "--home", other, "--email", "bob@demo.test", "--password", "bob-pw")
                .exitCode()).isZero();
        Cli.Result exported = Cli.run("keys", "export", "--home", other, "--email", "bob@demo.test", "--secret",
                "--type", "pgp");
        assertThat(exported.exitCode()).as(exported.stderr()).isZero();
        Path secret = Files.write(dir.resolve("new-secret.asc"), exported.stdout());

        Cli.Result wrong = Cli.run("keys", "rotate", "--home", home, "--email", "bob@demo.test", "--password",
                "not bob's", "--import", secret.toString());
        assertThat(wrong.exitCode()).isEqualTo(1);
        Cli.Result rotate = Cli.run("keys", "rotate", "--home", home, "--email", "bob@demo.test", "--password",
                "bob-pw", "--import", secret.toString());
        assertThat(rotate.exitCode()).as(rotate.stderr()).isZero();
        String fingerprint = Cli.run("keys", "list", "--home", other).out().replaceAll("(?s).*([0-9A-F]{40}).*", "$1");
        assertThat(Cli.run("keys", "list", "--home", home).out())
                .containsPattern("valid +yes .*bob@demo.test " + fingerprint)
                .containsPattern("retired +yes .*bob@demo.test");
    }
}
