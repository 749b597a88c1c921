package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.GnuPg;
import org.mailseal.crypto.testing.OpenSsl;
import org.mailseal.crypto.testing.PgpMime;

/**
 * The demo as a newcomer uses it: an unmodified client (Python's smtplib, STARTTLS, AUTH) submits as alice to
 * bob (OpenPGP), carol (S/MIME), dave (no key) and a Bcc to alice. In the mail server, bob's copy is PGP/MIME that
 * gpg opens with bob's exported key, carol's is S/MIME that openssl opens, dave's is plaintext, alice's Bcc copy
 * is a message of its own, and neither bob's nor carol's copy opens with alice's key.
 */
class DemoSubmissionTest {
    @TempDir
    static Path home;
    static Demo demo;
    static MimeMessage bobCopy;
    static MimeMessage carolCopy;
    static MimeMessage daveCopy;
    static MimeMessage aliceCopy;

    @BeforeAll
    static void sendThroughTheDemo() throws Exception {
        demo = Demo.start(home, DemoPorts.freeBase());
        // The README's own example: Python's smtplib, STARTTLS, AUTH, and alice as a Bcc recipient.
        String script = """
                import smtplib, ssl, sys
                from email.message import EmailMessage
                m = EmailMessage(); m["From"] = "alice@demo.test"; m["To"] = "bob@demo.test, carol@demo.test"
                m["Cc"] = "dave@demo.test"; m["Subject"] = "Quarterly plans"
                m.set_content("Hello everyone, grüße!\\n.\\nThe plan is attached in spirit.\\n")
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
                    s.starttls(context=ctx); s.login("alice@demo.test", "alice-pw")
                    print("refused:", s.send_message(m, to_addrs=["bob@demo.test", "carol@demo.test", "dave@demo.test",
                                                                   "alice@demo.test"]))
                """;
        Process python = new ProcessBuilder("python3", "-c", script, String.valueOf(demo.ports().submission()))
                .redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(output).as(output).contains("refused: {}");

        assertThat(demo.mailServer().waitForIncomingEmail(10_000, 4)).isTrue();
        bobCopy = onlyMessageOf("bob@demo.test");
        carolCopy = onlyMessageOf("carol@demo.test");
        daveCopy = onlyMessageOf("dave@demo.test");
        aliceCopy = onlyMessageOf("alice@demo.test");
    }

    /** The one message in a user's inbox at the mail server. */
    private static MimeMessage onlyMessageOf(String address) throws Exception {
        var user = demo.mailServer().getUserManager().getUserByEmail(address);
        var inbox = demo.mailServer().getManagers().getImapHostManager().getInbox(user);
        assertThat(inbox.getMessages()).as(address).hasSize(1);
        return inbox.getMessages().get(0).getMimeMessage();
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    private static byte[] bytes(MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }

    private static byte[] secretKey(String address, Format format) throws Exception {
        return demo.home().exportSecret(address, format);
    }

    @Test
    void bobsCopyIsPgpMimeThatGpgOpensWithBobsKeyButNotAlices() throws Exception {
        assertThat(bobCopy.getContentType()).startsWith("multipart/encrypted");
        assertThat(bobCopy.getSubject()).isEqualTo("...");
        byte[] armored = PgpMime.armoredMessage(bytes(bobCopy));
        try (GnuPg bob = GnuPg.start(); GnuPg alice = GnuPg.start()) {
            bob.importKeys(secretKey("bob@demo.test", Format.PGP_MIME), "bob-pw");
            ExternalCommand.Result opened = bob.decrypt(armored, "bob-pw");
            assertThat(opened.exitCode()).as(opened.stderrText()).isZero();
            assertThat(opened.stdoutText()).contains("Subject: Quarterly plans").contains("attached in spirit");
            alice.importKeys(secretKey("alice@demo.test", Format.PGP_MIME), "alice-pw");
            assertThat(alice.decrypt(armored, "alice-pw").exitCode()).isNotZero();
        }
    }

    @Test
    void carolsCopyIsSmimeThatOpensslOpens() throws Exception {
        assertThat(carolCopy.getContentType()).startsWith("application/pkcs7-mime");
        try (OpenSsl openssl = OpenSsl.start()) {
            OpenSsl.KeyPair carol = openssl.fromPkcs12("carol", secretKey("carol@demo.test", Format.SMIME), "carol-pw");
            ExternalCommand.Result opened = openssl.cmsDecrypt(bytes(carolCopy), carol);
            assertThat(opened.exitCode()).as(opened.stderrText()).isZero();
            assertThat(new String(opened.stdout(), StandardCharsets.UTF_8)).contains("Subject: Quarterly plans");
        }
    }

    @Test
    void davesCopyIsPlaintextWithoutBcc() throws Exception {
        assertThat(daveCopy.getSubject()).isEqualTo("Quarterly plans");
        assertThat(new String(bytes(daveCopy), StandardCharsets.UTF_8)).contains("attached in spirit").doesNotContain("Bcc");
    }

    @Test
    void alicesBccCopyIsAMessageOfItsOwn() throws Exception {
        assertThat(aliceCopy).isNotSameAs(bobCopy);
        assertThat(aliceCopy.getContentType()).startsWith("multipart/encrypted");
        byte[] armored = PgpMime.armoredMessage(bytes(aliceCopy));
        try (GnuPg alice = GnuPg.start(); GnuPg bob = GnuPg.start()) {
            alice.importKeys(secretKey("alice@demo.test", Format.PGP_MIME), "alice-pw");
            assertThat(alice.decrypt(armored, "alice-pw").exitCode()).isZero();
            bob.importKeys(secretKey("bob@demo.test", Format.PGP_MIME), "bob-pw");
            assertThat(bob.decrypt(armored, "bob-pw").exitCode()).as("the Bcc copy is alice's alone").isNotZero();
        }
    }
}
