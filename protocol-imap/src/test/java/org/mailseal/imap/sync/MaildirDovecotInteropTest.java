package org.mailseal.imap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailseal.imap.sync.MaildirSyncStoreTest.message;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.testing.OracleImapClient;
import org.mailseal.imap.testing.OracleImapClient.FetchParser;
import org.mailseal.imap.testing.ThrowawayDovecot;

/**
 * The Maildir this store writes is the Maildir other tools read: a real Dovecot (the throwaway one of
 * {@code src/test/dovecot/dovecot.sh}) serves it with the same folders, flags, keywords, dates and bytes, and
 * what Dovecot appends there reads back through the store the same way.
 */
class MaildirDovecotInteropTest {
    private static final String USER = "oracle@example.org";
    private static final String DATE = "07-Jul-2024 10:11:12 +0200";

    @Test
    void dovecotReadsWhatTheStoreWroteAndTheStoreReadsWhatDovecotWrote() throws Exception {
        try (ThrowawayDovecot dovecot = ThrowawayDovecot.start("maildir-interop", List.of())) {
            Path maildir = dovecot.maildir(USER);
            byte[] one = message("<one@x>", "first\r\nline two");
            byte[] two = message("<two@x>", "second");
            try (MaildirSyncStore store = MaildirSyncStore.open(maildir, 1 << 20, Clock.system(ZoneOffset.ofHours(2)))) {
                store.append("INBOX", store.select("INBOX").uidValidity(), List.of(
                        new StoredMessage(0, List.of("\\Seen", "\\Answered", "$Label1"), DATE, one.length, one)));
                store.create("Work.Sub");
                store.append("Work.Sub", store.select("Work.Sub").uidValidity(), List.of(
                        new StoredMessage(0, List.of("\\Flagged", "\\Draft"), DATE, two.length, two)));
            }
            giveToMailUser(maildir.getParent());

            try (OracleImapClient imap = new OracleImapClient("127.0.0.1", dovecot.port())) {
                imap.command("LOGIN " + USER + " oraclepw");
                String list = new String(imap.command("LIST \"\" \"*\""), StandardCharsets.ISO_8859_1);
                assertThat(list).contains("\".\" INBOX").contains("\".\" Work.Sub");

                imap.command("SELECT INBOX");
                Map<String, byte[]> a = imap.fetch(1, "FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]");
                assertThat(flags(a)).containsExactlyInAnyOrder("\\Seen", "\\Answered", "$Label1");
                assertThat(instant(text(a.get("INTERNALDATE")))).isEqualTo(instant(DATE)); // in Dovecot's zone
                assertThat(text(a.get("RFC822.SIZE"))).isEqualTo(Integer.toString(one.length));
                assertThat(FetchParser.stringContent(a.get("BODY[]"))).isEqualTo(one);

                imap.command("SELECT Work.Sub");
                Map<String, byte[]> b = imap.fetch(1, "FLAGS BODY.PEEK[]");
                assertThat(flags(b)).containsExactlyInAnyOrder("\\Flagged", "\\Draft");
                assertThat(FetchParser.stringContent(b.get("BODY[]"))).isEqualTo(two);

                byte[] three = message("<three@x>", "from dovecot");
                imap.append("INBOX", "\\Flagged $Work", "08-Aug-2024 01:02:03 +0200", three);
                imap.command("LOGOUT");

                try (MaildirSyncStore store = MaildirSyncStore.open(maildir, 1 << 20,
                        Clock.system(ZoneOffset.ofHours(2)))) {
                    store.select("INBOX");
                    Map<Long, MessageInfo> scan = store.scan();
                    assertThat(scan).hasSize(2);
                    long uid = store.messageIds(scan.keySet()).entrySet().stream()
                            .filter(e -> e.getValue().equals("<three@x>")).findFirst().orElseThrow().getKey();
                    StoredMessage fetched = store.fetch(List.of(uid)).get(0);
                    assertThat(fetched.flags()).containsExactlyInAnyOrder("\\Flagged", "$Work");
                    assertThat(fetched.internalDate()).isEqualTo("08-Aug-2024 01:02:03 +0200");
                    // Dovecot keeps the file with bare LF (mail_save_crlf=no); the store serves it with CRLF again.
                    assertThat(Files.readString(maildir.resolve("cur").resolve(fileOf(maildir, "<three@x>"))))
                            .doesNotContain("\r");
                    assertThat(fetched.content()).isEqualTo(three);
                    assertThat(fetched.size()).isEqualTo(three.length);
                }
            }
        }
    }

    /** The FLAGS of a FETCH without {@code \Recent} (this is the first session to see the messages). */
    private static Set<String> flags(Map<String, byte[]> items) {
        String v = text(items.get("FLAGS"));
        v = v.substring(1, v.length() - 1).strip();
        Set<String> flags = new java.util.HashSet<>(v.isEmpty() ? Set.of() : Set.of(v.split(" ")));
        flags.remove("\\Recent");
        return flags;
    }

    private static String fileOf(Path maildir, String messageId) throws IOException {
        try (Stream<Path> files = Files.list(maildir.resolve("cur"))) {
            for (Path f : files.toList()) {
                if (Files.readString(f, StandardCharsets.ISO_8859_1).contains(messageId)) {
                    return f.getFileName().toString();
                }
            }
        }
        throw new AssertionError("no file holds " + messageId);
    }

    private static Instant instant(String imapDate) {
        return OffsetDateTime.parse(imapDate.replace("\"", "").strip(),
                DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH)).toInstant();
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.ISO_8859_1);
    }

    /** Dovecot reads mail as the "mail" user (dovecot.sh); the store made everything 0600/0700 for its own user. */
    private static void giveToMailUser(Path dir) throws IOException {
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        GroupPrincipal group = users.lookupPrincipalByGroupName("mail");
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                view.setOwner(users.lookupPrincipalByName("mail"));
                view.setGroup(group);
            }
        }
    }
}
