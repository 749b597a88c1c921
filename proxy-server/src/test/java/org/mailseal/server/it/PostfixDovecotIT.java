package org.mailseal.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.run.ProxyServer;

/**
 * mailseal between real Postfix and Dovecot (src/test/mailstack/mailstack.sh): Postfix delivers every mailbox over
 * LMTP to mailseal, which encrypts for the owner and delivers to Dovecot's LMTP (encryption at rest); clients
 * submit through mailseal, which relays AUTH to Postfix over verified STARTTLS.
 */
class PostfixDovecotIT {
    static final Path SCRIPT = Path.of("src/test/mailstack/mailstack.sh").toAbsolutePath();
    @TempDir
    static Path dir;
    static Path base;
    static ProxyServer mailseal;
    static FileKeyHome keys;

    @BeforeAll
    static void start() throws Exception {
        base = Files.createTempDirectory(Path.of("/tmp"), "mailstack");
        stack("start");
        keys = FileKeyHome.open(dir.resolve("keys"));
        keys.generate("bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519, "bobpw".toCharArray());
        Path config = dir.resolve("mailseal.yaml");
        Files.writeString(config, """
                keys: { home: keys }
                listeners:
                  - name: submission
                    role: submission
                    listen: 127.0.0.1:10587
                    hostname: mailseal.example.org
                    authWithoutTls: true
                    upstream: { host: 127.0.0.1, port: 10025, tls: starttls, trust: %s }
                  - name: at-rest
                    role: lmtp
                    listen: 127.0.0.1:10030
                    hostname: mailseal.example.org
                    localDomains: [example.org]
                    upstream: { host: 127.0.0.1, port: 10024, lmtp: true }
                """.formatted(base.resolve("tls/cert.pem")));
        mailseal = ProxyServer.start(ConfigLoader.load(config));
    }

    @AfterAll
    static void stop() throws Exception {
        if (mailseal != null) {
            mailseal.close();
        }
        stack("stop");
    }

    private static void stack(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command).redirectErrorStream(true);
        builder.environment().put("BASE", base.toString());
        builder.environment().put("MAILSEAL_LMTP", "10030");
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("mailstack.sh %s: %s", command, output).isZero();
    }

    private static MimeMessage message(Session session, String from, String to, String subject, String id) throws Exception {
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<" + id + "@test>");
            }
        };
        message.setFrom(new InternetAddress(from));
        message.setRecipients(Message.RecipientType.TO, to);
        message.setSubject(subject);
        message.setText("Hello from the integration test.\r\n", "UTF-8");
        return message;
    }

    /** The messages in a Dovecot inbox whose Message-ID is the given one, read over IMAP. */
    private static List<byte[]> inbox(String user, String password, String id) throws Exception {
        Properties properties = new Properties();
        properties.put("mail.imap.host", "127.0.0.1");
        properties.put("mail.imap.port", "10143");
        Store store = Session.getInstance(properties).getStore("imap");
        store.connect(user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<byte[]> found = new ArrayList<>();
            for (Message message : inbox.getMessages()) {
                String[] ids = message.getHeader("Message-ID");
                if (ids != null && ids[0].contains(id)) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    message.writeTo(out);
                    found.add(out.toByteArray());
                }
            }
            inbox.close(false);
            return found;
        } finally {
            store.close();
        }
    }

    private static String decryptForBob(byte[] stored) throws Exception {
        try (DecryptionResult result = new MessageDecryptor().decrypt(new ByteArrayInputStream(stored),
                keys.unlock("bob@example.org", "bobpw".toCharArray()))) {
            return new String(result.message().toByteArray(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void mailFromOutsideIsStoredEncryptedToItsOwner() throws Exception {
        String id = UUID.randomUUID().toString();
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", "10025");
        Session session = Session.getInstance(properties);
        Transport.send(message(session, "someone@elsewhere.example", "bob@example.org", "At rest " + id, id));

        List<byte[]> stored = await().atMost(Duration.ofSeconds(20)).until(() -> inbox("bob@example.org", "bobpw", id),
                found -> found.size() == 1);
        String text = new String(stored.get(0), StandardCharsets.UTF_8);
        assertThat(text).contains("multipart/encrypted").doesNotContain("At rest " + id)
                .doesNotContain("Hello from the integration test");
        assertThat(decryptForBob(stored.get(0))).contains("Subject: At rest " + id)
                .contains("Hello from the integration test.");
    }

    @Test
    void submissionThroughMailsealRelaysAuthToPostfixAndIsEncryptedOnce() throws Exception {
        String id = UUID.randomUUID().toString();
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", "10587");
        properties.put("mail.smtp.auth", "true");
        Session session = Session.getInstance(properties);
        Transport.send(message(session, "alice@example.org", "bob@example.org, alice@example.org", "Submitted " + id, id),
                "alice@example.org", "alicepw");

        List<byte[]> bob = await().atMost(Duration.ofSeconds(20)).until(() -> inbox("bob@example.org", "bobpw", id),
                found -> found.size() == 1);
        List<byte[]> alice = await().atMost(Duration.ofSeconds(20)).until(() -> inbox("alice@example.org", "alicepw", id),
                found -> found.size() == 1);
        // Encrypted once at submission; the LMTP hop saw it encrypted already and let it through unchanged.
        assertThat(decryptForBob(bob.get(0))).contains("Subject: Submitted " + id).doesNotContain("multipart/encrypted");
        assertThat(new String(alice.get(0), StandardCharsets.UTF_8)).contains("Subject: Submitted " + id);
    }
}
