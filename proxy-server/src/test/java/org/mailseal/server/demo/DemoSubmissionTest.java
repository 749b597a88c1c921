package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
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
 * The demo as a newcomer uses it: an unmodified client (Jakarta Mail, STARTTLS, AUTH PLAIN) submits as alice to
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

    static final String BODY = "Hello everyone, grüße!\r\n.\r\nThe plan is attached in spirit.\r\n";

    @BeforeAll
    static void sendThroughTheDemo() throws Exception {
        demo = Demo.start(home, 20_000 + ThreadLocalRandom.current().nextInt(30) * 1_000);
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", String.valueOf(demo.ports().submission()));
        properties.put("mail.smtp.auth", "true");
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.starttls.required", "true");
        properties.put("mail.smtp.ssl.trust", "*"); // the demo's certificate is self-signed
        properties.put("mail.smtp.timeout", "20000");
        Session session = Session.getInstance(properties);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@demo.test"));
        message.setRecipients(Message.RecipientType.TO, "bob@demo.test, carol@demo.test");
        message.setRecipients(Message.RecipientType.CC, "dave@demo.test");
        message.setRecipients(Message.RecipientType.BCC, "alice@demo.test");
        message.setSubject("Quarterly plans", "UTF-8");
        message.setText(BODY, "UTF-8");
        Transport.send(message, "alice@demo.test", "alice-pw");

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
