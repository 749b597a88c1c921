package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's IMAP port as a newcomer uses it: mail sent through the demo's SMTP to bob (OpenPGP) and carol
 * (S/MIME) is ciphertext at the mail server and reads as the original through mailseal's IMAP, with Python's imaplib,
 * with curl and with Jakarta Mail.
 */
class DemoImapTest {
    static final String BODY = "Hello Bob and Carol, grüße!\n.\nThe launch date is the 3rd.\n";
    @TempDir
    static Path home;
    static Demo demo;

    @BeforeAll
    static void sendThroughTheDemo() throws Exception {
        demo = Demo.start(home, DemoPorts.freeBase());
        Clients.sendLaunchPlans(demo, BODY, true);
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    /** The message as the mail server stores it. */
    private static String stored(String address) throws Exception {
        var user = demo.mailServer().getUserManager().getUserByEmail(address);
        MimeMessage message = demo.mailServer().getManagers().getImapHostManager().getInbox(user).getMessages().get(0)
                .getMimeMessage();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pythonsImaplibReadsThePlaintextOfWhatIsStoredEncrypted() throws Exception {
        String script = """
                import imaplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                for user in ("bob", "carol"):
                    c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); c.starttls(ssl_context=ctx)
                    c.login(user + "@demo.test", user + "-pw"); c.select("INBOX")
                    typ, data = c.fetch("1", "(RFC822.SIZE BODY.PEEK[])")
                    size = int(data[0][0].decode().split("RFC822.SIZE ")[1].split(" ")[0])
                    body = data[0][1]
                    print(user, "size-matches" if size == len(body) else "size-differs", body.decode("utf-8"))
                    c.logout()
                """;
        String output = Clients.python(script, String.valueOf(demo.ports().imap()));
        assertThat(output).contains("bob size-matches").contains("carol size-matches")
                .contains("Subject: Launch plans").contains("The launch date is the 3rd.")
                .doesNotContain("BEGIN PGP MESSAGE").doesNotContain("smime.p7m");
        assertThat(stored("bob@demo.test")).contains("BEGIN PGP MESSAGE").doesNotContain("launch date");
        assertThat(stored("carol@demo.test")).contains("application/pkcs7-mime").doesNotContain("launch date");
    }

    @Test
    void curlListsAndRetrievesIt() throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "--ssl-reqd", "-k", "--user", "bob@demo.test:bob-pw",
                "imap://127.0.0.1:" + demo.ports().imap() + "/INBOX;UID=1").redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("Subject: Launch plans").contains("The launch date is the 3rd.")
                .doesNotContain("PGP MESSAGE");
    }

    @Test
    void jakartaMailSeesTheOriginalMessage() throws Exception {
        Properties properties = new Properties();
        properties.put("mail.imap.starttls.enable", "true");
        properties.put("mail.imap.starttls.required", "true");
        properties.put("mail.imap.ssl.trust", "*");
        properties.put("mail.imap.ssl.checkserveridentity", "false");
        Store store = Session.getInstance(properties).getStore("imap");
        store.connect("127.0.0.1", demo.ports().imap(), "carol@demo.test", "carol-pw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message message = inbox.getMessage(1);
            assertThat(message.getSubject()).isEqualTo("Launch plans");
            Multipart parts = (Multipart) message.getContent();
            assertThat(parts.getCount()).isEqualTo(2);
            assertThat(parts.getBodyPart(0).getContent().toString()).contains("The launch date is the 3rd.");
            assertThat(parts.getBodyPart(1).getFileName()).isEqualTo("plan.pdf");
            inbox.close(false);
        } finally {
            store.close();
        }
    }
}
