package org.mailseal.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.server.config.ListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.run.ProxyServer;
import org.mailseal.server.tls.SelfSignedTls;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/** Python's smtplib as the client: STARTTLS on a submission port and implicit TLS on a "465" (RFC 8314) port. */
class PythonClientIT {
    @TempDir
    static Path home;
    static GreenMail mta;
    static ProxyServer mailseal;

    @BeforeAll
    static void start() throws Exception {
        mta = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
        mta.start();
        mta.setUser("alice@example.org", "alice@example.org", "alice-pw");
        FileKeyHome.open(home).generate("bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519, "bob-pw".toCharArray());
        UpstreamConfig upstream = UpstreamConfig.plain("127.0.0.1", mta.getSmtp().getPort(), "mailseal.test")
                .withPlaintextAuth(true);
        var tls = SelfSignedTls.serverContext("mailseal.test");
        mailseal = ProxyServer.start(new MailsealConfig(home, Policy.opportunistic(), EncryptionOptions.DEFAULTS,
                25L << 20, 100, 1 << 20, List.of(
                        new ListenerConfig("starttls", SmtpSessionConfig.Role.SUBMISSION, "127.0.0.1", 0, "mailseal.test",
                                tls, false, false, Set.of(), upstream),
                        new ListenerConfig("implicit", SmtpSessionConfig.Role.SUBMISSION, "127.0.0.1", 0, "mailseal.test",
                                tls, true, false, Set.of(), upstream))));
    }

    @AfterAll
    static void stop() {
        mailseal.close();
        mta.stop();
    }

    private static String python(int port, boolean implicit, String subject) throws Exception {
        String script = """
                import smtplib, ssl, sys
                from email.message import EmailMessage
                m = EmailMessage()
                m["From"] = "alice@example.org"; m["To"] = "bob@example.org"; m["Subject"] = sys.argv[3]
                m.set_content("Hello Bob, from Python.\\n")
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                port = int(sys.argv[1])
                if sys.argv[2] == "implicit":
                    s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx)
                else:
                    s = smtplib.SMTP("127.0.0.1", port)
                    s.ehlo()
                    if "auth" in s.esmtp_features:
                        sys.exit("AUTH offered before TLS")
                    s.starttls(context=ctx)
                s.login("alice@example.org", "alice-pw")
                print("refused:", s.send_message(m))
                s.quit()
                """;
        Process process = new ProcessBuilder("python3", "-c", script, String.valueOf(port), implicit ? "implicit" : "starttls",
                subject).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** Sends with Python and returns what the mail server received from it: exactly one new message. */
    private static synchronized MimeMessage sendAndReceive(int port, boolean implicit) throws Exception {
        int before = mta.getReceivedMessages().length;
        assertThat(python(port, implicit, implicit ? "over implicit TLS" : "over STARTTLS")).contains("refused: {}");
        assertThat(mta.waitForIncomingEmail(10_000, before + 1)).isTrue();
        MimeMessage[] all = mta.getReceivedMessages();
        assertThat(all).hasSize(before + 1);
        return all[before];
    }

    @Test
    void smtplibOverStartTls() throws Exception {
        MimeMessage received = sendAndReceive(mailseal.addresses().get(0).getPort(), false);
        assertThat(received.getContentType()).startsWith("multipart/encrypted");
        assertThat(received.getSubject()).isEqualTo("...");
    }

    @Test
    void smtplibOverImplicitTls() throws Exception {
        MimeMessage received = sendAndReceive(mailseal.addresses().get(1).getPort(), true);
        assertThat(received.getContentType()).startsWith("multipart/encrypted");
        assertThat(received.getHeader("Received")).anyMatch(h -> h.contains("by mailseal.test (mailseal) with ESMTPSA"));
    }
}
