package org.mailseal.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.pop3.testing.Fetchmail;
import org.mailseal.pop3.testing.ThrowawayDovecot;

/**
 * The fixtures themselves: a message APPENDed over IMAP comes back byte for byte from POP3 RETR, and
 * {@code src/test/fetchmail/fetch.sh} retrieves it with fetchmail into an mbox.
 */
class ThrowawayDovecotTest {
    private static final String MESSAGE = "From: sender@example.org\r\nTo: pop@example.org\r\nSubject: fixture\r\n"
            + "Message-ID: <fixture@example.org>\r\n\r\nfirst line\r\n.a line that POP3 dot-stuffs\r\n"
            + "From the start of a line\r\nlast\r\n";

    private static ThrowawayDovecot dovecot;

    @BeforeAll
    static void startDovecot() throws Exception {
        assumeTrue(ThrowawayDovecot.installed(), "dovecot is not installed");
        dovecot = ThrowawayDovecot.start("dovecot-pop3",
                List.of("pop@example.org:poppw", "fetch@example.org:fetch\"pw"));
    }

    @AfterAll
    static void stopDovecot() throws IOException {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @Test
    void messageAppendedOverImapIsRetrievedOverPop3() throws Exception {
        assertThat(dovecot.imapPort()).isLessThan(32768).isNotEqualTo(dovecot.pop3Port());
        assertThat(dovecot.pop3Port()).isLessThan(32768);
        ImapAppender.append(dovecot.imapPort(), "pop@example.org", "poppw", MESSAGE);
        try (Pop3TestClient pop3 = new Pop3TestClient(dovecot.pop3Port())) {
            assertThat(pop3.line()).startsWith("+OK");
            assertThat(pop3.command("USER pop@example.org")).startsWith("+OK");
            assertThat(pop3.command("PASS poppw")).startsWith("+OK");
            assertThat(pop3.command("LIST 1")).isEqualTo("+OK 1 " + MESSAGE.length() + "\r\n");
            String retr = pop3.multi("RETR 1");
            assertThat(retr).contains("\r\n..a line that POP3 dot-stuffs\r\n");
            assertThat(Pop3TestClient.content(retr)).isEqualTo(MESSAGE);
            assertThat(pop3.command("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void fetchScriptDeliversIntoAnMboxAndDeletes(@TempDir Path dir) throws Exception {
        assumeTrue(Fetchmail.installed(), "fetchmail is not installed");
        ImapAppender.append(dovecot.imapPort(), "fetch@example.org", "fetch\"pw", MESSAGE);
        Path mbox = dir.resolve("out.mbox");

        assertThat(Fetchmail.fetch(dovecot.pop3Port(), "fetch@example.org", "fetch\"pw", mbox).status()).isZero();
        // LF line ends (fetchmail strips CR for an MDA), no dot-stuffing, mboxrd quoting of "From ".
        assertThat(Files.readString(mbox, StandardCharsets.US_ASCII)).isEqualTo(
                "From fetchmail  Thu Jan  1 00:00:00 1970\n"
                        + MESSAGE.replace("\r\n", "\n").replace("\nFrom the", "\n>From the") + "\n");
        assertThat(Fetchmail.fetch(dovecot.pop3Port(), "fetch@example.org", "fetch\"pw", mbox).status())
                .as("1: no mail left").isEqualTo(1);
        assertThat(Fetchmail.fetch(dovecot.pop3Port(), "fetch@example.org", "wrong", mbox).status())
                .as("3: authentication failed").isEqualTo(3);
    }
}
