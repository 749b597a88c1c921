package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mbsync (Debian's isync) mirrors bob's inbox of encrypted messages through mailseal's IMAP into a local Maildir:
 * the files are the plaintext originals, and a second run transfers nothing.
 */
class MbsyncThroughDemoTest {
    @TempDir
    Path work;

    @Test
    void aMaildirMirrorHoldsThePlaintextOriginalsAndASecondRunChangesNothing() throws Exception {
        try (Demo demo = Demo.start(work.resolve("home"), DemoPorts.freeBase())) {
            Path originals = Files.createDirectories(work.resolve("originals"));
            String send = """
                    import smtplib, ssl, sys, email.policy
                    from email.message import EmailMessage
                    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                    with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
                        s.starttls(context=ctx); s.login("alice@demo.test", "alice-pw")
                        for i in range(5):
                            m = EmailMessage(); m["From"] = "alice@demo.test"; m["To"] = "bob@demo.test"
                            m["Subject"] = "message %d" % i; m["Message-ID"] = "<m%d@demo.test>" % i
                            m.set_content("Body of message %d.\\n.a line with a leading dot\\nGrüße\\n" % i)
                            s.send_message(m)
                            open(sys.argv[2] + "/%d.eml" % i, "wb").write(m.as_bytes(policy=email.policy.SMTP))
                    """;
            run(List.of("python3", "-c", send, String.valueOf(demo.ports().submission()), originals.toString()));
            assertThat(demo.mailServer().waitForIncomingEmail(10_000, 5)).isTrue();

            Path maildir = Files.createDirectories(work.resolve("Mail"));
            Path config = work.resolve("mbsyncrc");
            Files.writeString(config, String.join("\n",
                    "IMAPAccount demo", "Host 127.0.0.1", "Port " + demo.ports().imap(), "User bob@demo.test",
                    "Pass bob-pw", "SSLType None", "AuthMechs LOGIN", "",
                    "IMAPStore remote", "Account demo", "",
                    "MaildirStore local", "Path " + maildir + "/", "Inbox " + maildir.resolve("INBOX"), "",
                    "Channel inbox", "Far :remote:INBOX", "Near :local:INBOX", "Create Near", "Sync Pull",
                    "SyncState *", ""));
            run(List.of("mbsync", "-c", config.toString(), "inbox"));
            List<Path> files = files(maildir.resolve("INBOX"));
            assertThat(files).hasSize(5);
            for (int i = 0; i < 5; i++) {
                String original = Files.readString(originals.resolve(i + ".eml"), StandardCharsets.UTF_8);
                String mirrored = mirrorOf(files, "Subject: message " + i);
                // The mirror adds the trace fields in front and mbsync's X-TUID; the rest is the original, to the byte.
                assertThat(mirrored.replaceAll("(?m)^X-TUID: .*\n", "").replace("\n", "\r\n")).endsWith(original);
            }
            List<String> before = files.stream().map(Path::toString).toList();
            String second = run(List.of("mbsync", "-V", "-c", config.toString(), "inbox"));
            assertThat(files(maildir.resolve("INBOX")).stream().map(Path::toString).toList())
                    .containsExactlyInAnyOrderElementsOf(before);
            assertThat(second).contains("far side: 5 messages, 0 recent").contains("near side: 5 messages");
        }
    }

    private static String mirrorOf(List<Path> files, String subjectLine) throws Exception {
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.contains(subjectLine + "\n")) {
                return text;
            }
        }
        throw new AssertionError("no mirrored message with " + subjectLine);
    }

    private static List<Path> files(Path mailbox) throws Exception {
        List<Path> all = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            try (Stream<Path> list = Files.list(mailbox.resolve(sub))) {
                list.forEach(all::add);
            }
        }
        return all;
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
