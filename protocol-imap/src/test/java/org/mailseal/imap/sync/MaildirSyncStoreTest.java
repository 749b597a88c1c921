package org.mailseal.imap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.mailseal.imap.client.StoredMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirSyncStoreTest {
    private static final Clock CLOCK = Clock.system(ZoneOffset.ofHours(2));
    private static final String DATE = "07-Jul-2024 10:11:12 +0200";

    @TempDir
    Path dir;

    private Path root() {
        return dir.resolve("Mail");
    }

    private MaildirSyncStore open() throws IOException {
        return MaildirSyncStore.open(root(), 4096, CLOCK);
    }

    static byte[] message(String id, String body) {
        return ("Message-ID: " + id + "\r\nSubject: test\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static StoredMessage stored(String id, String body, String... flags) {
        byte[] content = message(id, body);
        return new StoredMessage(0, List.of(flags), DATE, content.length, content);
    }

    private static List<String> names(Path sub) throws IOException {
        try (Stream<Path> s = Files.list(sub)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void createsFoldersPrivatelyAndListsThemWithLisWildcards() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.create("Archive.2024");
            store.create("Work");
            store.create("Work"); // exists: fine
            store.create("inbox");
            assertThat(perms(root())).isEqualTo("rwx------");
            for (String sub : List.of("cur", "new", "tmp")) {
                assertThat(perms(root().resolve(".Archive.2024").resolve(sub))).isEqualTo("rwx------");
                assertThat(root().resolve(sub)).isDirectory();
            }
            assertThat(root().resolve(".Work/maildirfolder")).isRegularFile();
            assertThat(store.delimiter()).isEqualTo('.');
            assertThat(store.list(List.of("*"))).containsExactly("Archive.2024", "INBOX", "Work");
            assertThat(store.list(List.of("%"))).containsExactly("INBOX", "Work");
            assertThat(store.list(List.of("inbox", "Archive.%"))).containsExactly("Archive.2024", "INBOX");
            assertThat(store.list(List.of("W*k"))).containsExactly("Work");
            Files.createDirectories(root().resolve(".NotAMaildir"));
            Files.createFile(root().resolve(".uidvalidity-like"));
            assertThat(store.list(List.of("*"))).containsExactly("Archive.2024", "INBOX", "Work");
        }
    }

    @Test
    void deletesAFolderWithItsMessagesButNeverInboxOrAFolderWithForeignDirectories() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.create("Work");
            store.create("Work.Sub");
            long validity = store.select("Work").uidValidity();
            store.append("Work", validity, List.of(stored("<a@x>", "a"), stored("<b@x>", "b")));
            Files.write(root().resolve(".Work/new/1700000000.M1P1.otherhost"), message("<c@x>", "c"));
            store.delete("Work");
            assertThat(root().resolve(".Work")).doesNotExist();
            assertThat(store.list(List.of("*"))).containsExactlyInAnyOrder("INBOX", "Work.Sub"); // the child stays

            assertThatThrownBy(() -> store.delete("INBOX")).isInstanceOf(IOException.class);
            assertThat(root().resolve("cur")).isDirectory();
            Files.createDirectories(root().resolve(".Work.Sub/unknown"));
            assertThatThrownBy(() -> store.delete("Work.Sub")).isInstanceOf(IOException.class)
                    .hasMessageContaining("not cur, new or tmp");
            assertThat(root().resolve(".Work.Sub/cur")).isDirectory();
            assertThatThrownBy(() -> store.delete("../etc")).isInstanceOf(IOException.class);
        }
    }

    @Test
    void twoStoresOnOneFolderNeverGiveOutOneUidTwice() throws IOException {
        try (MaildirSyncStore run = open(); MaildirSyncStore watcher = open()) {
            long validity = run.select("INBOX").uidValidity();
            run.append("INBOX", validity, List.of(stored("<1@x>", "one")));
            // A delivery, numbered by the watcher's SELECT while the run still holds the old last UID.
            Files.write(root().resolve("new/1700000000.M1P1.otherhost"), message("<mda@x>", "delivered"));
            watcher.select("INBOX");
            List<Long> appended = run.append("INBOX", validity, List.of(stored("<2@x>", "two")));
            SortedMap<Long, MessageInfo> all = watcher.scan();
            assertThat(all).hasSize(3);
            assertThat(all.keySet()).contains(appended.get(0));
            assertThat(watcher.messageIds(List.of(appended.get(0)))).as("the UID the run recorded is its copy")
                    .containsValue("<2@x>");
            assertThat(run.messageIds(all.keySet()).values())
                    .containsExactlyInAnyOrder("<1@x>", "<mda@x>", "<2@x>");
        }
    }

    @Test
    void appendsAndFetchesWithFlagsDateAndExactBytes() throws IOException {
        try (MaildirSyncStore store = open()) {
            SyncMailbox box = store.select("INBOX");
            assertThat(box.uidValidity()).isPositive().isLessThanOrEqualTo(0xFFFF_FFFFL);
            assertThat(box.uidNext()).isEqualTo(1);
            assertThat(box.highestModSeq()).isZero();
            StoredMessage one = stored("<1@x>", "bare\nLF kept too", "\\Seen", "\\Flagged");
            StoredMessage two = stored("<2@x>", "two");
            assertThat(store.append("INBOX", box.uidValidity(), List.of(one, two))).containsExactly(1L, 2L);

            List<String> cur = names(root().resolve("cur"));
            assertThat(cur).hasSize(2).anyMatch(n -> n.endsWith(",U=1:2,FS")).anyMatch(n -> n.endsWith(",U=2:2,"));
            assertThat(names(root().resolve("tmp"))).isEmpty();
            assertThat(perms(root().resolve("cur").resolve(cur.get(0)))).isEqualTo("rw-------");
            assertThat(perms(root().resolve(".uidvalidity"))).isEqualTo("rw-------");

            List<StoredMessage> fetched = store.fetch(List.of(1L, 2L, 99L));
            assertThat(fetched).hasSize(2);
            assertThat(fetched.get(0).content()).isEqualTo(one.content());
            assertThat(fetched.get(0).flags()).containsExactly("\\Flagged", "\\Seen");
            assertThat(fetched.get(0).internalDate()).isEqualTo(DATE);
            assertThat(fetched.get(0).size()).isEqualTo(one.content().length);
            assertThat(fetched.get(1).flags()).isEmpty();

            SortedMap<Long, MessageInfo> scan = store.scan();
            assertThat(scan.keySet()).containsExactly(1L, 2L);
            assertThat(scan.get(1L).size()).isEqualTo(one.content().length);
            assertThat(store.select("INBOX").uidNext()).isEqualTo(3);
        }
    }

    @Test
    void appendChecksUidValidityAndDates() throws IOException {
        try (MaildirSyncStore store = open()) {
            long validity = store.select("INBOX").uidValidity();
            assertThatThrownBy(() -> store.append("INBOX", validity + 1, List.of(stored("<a@x>", "a"))))
                    .isInstanceOf(IOException.class).hasMessageContaining("UIDVALIDITY");
            byte[] c = message("<a@x>", "a");
            for (String bad : List.of("32-Jan-2024 10:00:00 +0000", "07-Jul-24 10:00:00 +0000", "2024-07-07T10:00:00Z",
                    "07-Jul-2024 25:00:00 +0000")) {
                assertThatThrownBy(() -> store.append("INBOX", validity,
                        List.of(new StoredMessage(0, List.of(), bad, c.length, c))))
                        .isInstanceOf(IOException.class).hasMessageContaining("date-time");
            }
            assertThat(names(root().resolve("tmp"))).isEmpty();
            // date-day-fixed with a space, and month names in any case, as RFC 3501 allows
            store.append("INBOX", validity, List.of(new StoredMessage(0, List.of(), " 7-JUL-2024 10:11:12 +0200",
                    c.length, c)));
            assertThat(store.fetch(List.of(1L)).get(0).internalDate()).isEqualTo(DATE);
            assertThat(store.scan()).hasSize(1);
        }
    }

    @Test
    void messageDeliveredByAnotherProgramGetsTheNextUidAndMovesToCur() throws IOException {
        try (MaildirSyncStore store = open()) {
            long validity = store.select("INBOX").uidValidity();
            store.append("INBOX", validity, List.of(stored("<1@x>", "one")));
            Files.write(root().resolve("new/1700000000.M1P1.otherhost"), message("<mda@x>", "delivered"));
            Files.write(root().resolve("cur/1700000001.M2P2.otherhost:2,S"), message("<mua@x>", "seen"));

            SortedMap<Long, MessageInfo> scan = store.scan();
            assertThat(scan.keySet()).containsExactly(1L, 2L, 3L);
            assertThat(scan.get(2L).flags()).isEmpty();
            assertThat(scan.get(3L).flags()).containsExactly("\\Seen");
            assertThat(names(root().resolve("new"))).isEmpty();
            assertThat(names(root().resolve("cur"))).contains("1700000000.M1P1.otherhost,U=2:2,",
                    "1700000001.M2P2.otherhost,U=3:2,S");
            assertThat(Files.readString(root().resolve(".uidvalidity"))).isEqualTo(validity + "\n3\n");
            assertThat(store.messageIds(List.of(2L, 3L))).containsExactly(Map.entry(2L, "<mda@x>"),
                    Map.entry(3L, "<mua@x>"));
        }
    }

    @Test
    void aFileWithBareLfOnlyIsServedWithCrlfAndAnyOtherByteForByte() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.select("INBOX");
            byte[] unix = "Message-ID: <lf@x>\nSubject: x\n\nbody\n".getBytes(StandardCharsets.US_ASCII);
            byte[] mixed = "Message-ID: <mixed@x>\r\n\r\nbare\nLF inside\r\n".getBytes(StandardCharsets.US_ASCII);
            Files.write(root().resolve("new/1700000000.M1P1.h"), unix);
            Files.write(root().resolve("new/1700000001.M1P1.h"), mixed);
            assertThat(store.scan().get(1L).size()).isEqualTo(unix.length);
            List<StoredMessage> fetched = store.fetch(List.of(1L, 2L));
            byte[] crlf = "Message-ID: <lf@x>\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            assertThat(fetched.get(0).content()).isEqualTo(crlf);
            assertThat(fetched.get(0).size()).isEqualTo(crlf.length);
            assertThat(fetched.get(1).content()).isEqualTo(mixed);
            assertThat(store.messageIds(List.of(1L, 2L)).values()).containsExactly("<lf@x>", "<mixed@x>");
        }
    }

    @Test
    void flagsAndKeywordsRoundTripAndUnknownLettersStay() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.select("INBOX");
            Files.write(root().resolve("cur/1700000000.M1P1.h:2,PS"), message("<1@x>", "passed and seen"));
            assertThat(store.scan().get(1L).flags()).containsExactly("\\Seen");

            store.store(List.of(1L, 42L), Set.of("\\Flagged", "$Label1", "\\ANSWERED", "\\Recent"), Set.of("\\Seen"));
            assertThat(names(root().resolve("cur"))).containsExactly("1700000000.M1P1.h,U=1:2,FPRa");
            assertThat(Files.readString(root().resolve("dovecot-keywords"))).isEqualTo("0 $Label1\n");
            assertThat(store.scan().get(1L).flags()).containsExactlyInAnyOrder("\\Flagged", "\\Answered", "$Label1");

            store.store(List.of(1L), Set.of("\\Draft", "\\Deleted", "Work"), Set.of("$Label1", "\\Flagged", "never"));
            assertThat(names(root().resolve("cur"))).containsExactly("1700000000.M1P1.h,U=1:2,DPRTb");
            assertThat(store.fetch(List.of(1L)).get(0).flags())
                    .containsExactly("Work", "\\Answered", "\\Deleted", "\\Draft");

            assertThatThrownBy(() -> store.store(List.of(1L), Set.of("\\Important"), Set.of()))
                    .isInstanceOf(IOException.class).hasMessageContaining("\\Important");
            assertThatThrownBy(() -> store.store(List.of(1L), Set.of("two words"), Set.of()))
                    .isInstanceOf(IOException.class).hasMessageContaining("not an IMAP keyword");
        }
        try (MaildirSyncStore store = open()) { // keywords survive a re-open
            store.select("INBOX");
            assertThat(store.scan().get(1L).flags()).contains("Work");
        }
    }

    @Test
    void the27thKeywordIsRefusedNotDropped() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.append("INBOX", store.select("INBOX").uidValidity(), List.of(stored("<1@x>", "one")));
            for (int i = 0; i < 26; i++) {
                store.store(List.of(1L), Set.of("k" + i), Set.of());
            }
            assertThat(store.scan().get(1L).flags()).hasSize(26);
            assertThatThrownBy(() -> store.store(List.of(1L), Set.of("k26"), Set.of()))
                    .isInstanceOf(IOException.class).hasMessageContaining("26 keywords");
        }
    }

    @Test
    void aFileRenamedByAMailClientIsFoundAgain() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.append("INBOX", store.select("INBOX").uidValidity(), List.of(stored("<1@x>", "one")));
            store.scan();
            Path file = root().resolve("cur").resolve(names(root().resolve("cur")).get(0));
            Files.move(file, file.resolveSibling(file.getFileName() + "S")); // a client marks it \Seen
            store.store(List.of(1L), Set.of("\\Flagged"), Set.of());
            assertThat(store.scan().get(1L).flags()).containsExactlyInAnyOrder("\\Seen", "\\Flagged");
        }
    }

    @Test
    void uidsAreStableAcrossReopening() throws IOException {
        long validity;
        try (MaildirSyncStore store = open()) {
            store.create("Work");
            validity = store.select("Work").uidValidity();
            store.append("Work", validity, List.of(stored("<1@x>", "1"), stored("<2@x>", "2"), stored("<3@x>", "3")));
            store.expunge(List.of(2L, 77L));
        }
        try (MaildirSyncStore store = open()) {
            SyncMailbox box = store.select("Work");
            assertThat(box.uidValidity()).isEqualTo(validity);
            assertThat(box.uidNext()).isEqualTo(4);
            assertThat(box.exists()).isEqualTo(2);
            assertThat(store.scan().keySet()).containsExactly(1L, 3L);
            assertThat(store.messageIds(List.of(1L, 3L)).values()).containsExactly("<1@x>", "<3@x>");
            // an expunged UID is never reused
            assertThat(store.append("Work", validity, List.of(stored("<4@x>", "4")))).containsExactly(4L);
        }
    }

    @Test
    void aCorruptOrMissingUidValidityMeansANewOneAndEveryMessageRenumbered() throws IOException {
        long validity;
        try (MaildirSyncStore store = open()) {
            validity = store.select("INBOX").uidValidity();
            store.append("INBOX", validity, List.of(stored("<1@x>", "1"), stored("<2@x>", "2"), stored("<3@x>", "3")));
            store.expunge(List.of(1L));
        }
        Files.writeString(root().resolve(".uidvalidity"), "garbage\n");
        long second;
        try (MaildirSyncStore store = open()) {
            SyncMailbox box = store.select("INBOX");
            second = box.uidValidity();
            assertThat(second).isNotEqualTo(validity);
            assertThat(store.scan().keySet()).containsExactly(1L, 2L);
            // the old order is kept: old UID 2 is now 1
            assertThat(store.messageIds(List.of(1L, 2L)).values()).containsExactly("<2@x>", "<3@x>");
        }
        Files.delete(root().resolve(".uidvalidity"));
        try (MaildirSyncStore store = open()) {
            SyncMailbox box = store.select("INBOX");
            assertThat(box.uidValidity()).isNotIn(validity, second);
            assertThat(store.scan().keySet()).containsExactly(1L, 2L);
            assertThat(names(root().resolve("cur"))).allMatch(n -> n.matches(".*,U=[12]:2,"));
        }
    }

    @Test
    void aCopiedFileGetsANewUidInsteadOfSharingOne() throws IOException {
        try (MaildirSyncStore store = open()) {
            store.append("INBOX", store.select("INBOX").uidValidity(), List.of(stored("<1@x>", "one")));
            Path file = root().resolve("cur").resolve(names(root().resolve("cur")).get(0));
            Files.copy(file, file.resolveSibling("zz-copy,U=1:2,S"));
            Files.write(root().resolve("cur/from-elsewhere,U=900:2,"), message("<9@x>", "moved in"));
            assertThat(store.scan().keySet()).containsExactly(1L, 2L, 3L);
            assertThat(store.scan().get(1L).flags()).isEmpty(); // the first file in name order kept UID 1
        }
    }

    @Test
    void folderNamesThatCouldLeaveTheRootAreRefused() throws IOException {
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside.resolve("cur"));
        Files.createDirectories(outside.resolve("new"));
        Files.createDirectories(outside.resolve("tmp"));
        try (MaildirSyncStore store = open()) {
            for (String bad : List.of("../outside", "..", ".", "a/b", "/etc", "a..b", ".hidden", "trailing.",
                    "back\\slash", "nul\0", "line\nbreak", "x".repeat(300))) {
                assertThatThrownBy(() -> store.create(bad)).as(bad).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> store.select(bad)).as(bad).isInstanceOf(IOException.class);
            }
            Files.createSymbolicLink(root().resolve(".Escape"), outside);
            assertThat(store.list(List.of("*"))).containsExactly("INBOX");
            assertThatThrownBy(() -> store.select("Escape")).isInstanceOf(IOException.class)
                    .hasMessageContaining("outside");
            assertThatThrownBy(() -> store.append("Escape", 1, List.of(stored("<1@x>", "x"))))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> store.select("NoSuchFolder")).isInstanceOf(IOException.class)
                    .hasMessageContaining("no folder");
        }
        try (Stream<Path> s = Files.walk(outside)) {
            assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }

    @Test
    void oversizedMessagesAreRefusedWithAClearError() throws IOException {
        try (MaildirSyncStore store = open()) {
            long validity = store.select("INBOX").uidValidity();
            byte[] big = new byte[5000];
            assertThatThrownBy(() -> store.append("INBOX", validity,
                    List.of(new StoredMessage(0, List.of(), DATE, big.length, big))))
                    .isInstanceOf(IOException.class).hasMessageContaining("limit of 4096");
            Files.write(root().resolve("new/1700000000.M1P1.h"), big);
            assertThat(store.scan().get(1L).size()).isEqualTo(5000); // listed, so it never looks expunged
            assertThatThrownBy(() -> store.fetch(List.of(1L)))
                    .isInstanceOf(IOException.class).hasMessageContaining("5000 bytes").hasMessageContaining("4096");
        }
    }

    @Test
    void leftoversInTmpDotfilesAndLinksAreIgnored() throws IOException {
        try (MaildirSyncStore store = open()) {
            long validity = store.select("INBOX").uidValidity();
            Files.write(root().resolve("tmp/1700000000.99_1.h"), message("<crashed@x>", "half wri"));
            Files.write(root().resolve("cur/.hidden"), message("<hidden@x>", "x"));
            Files.write(dir.resolve("secret"), "not mail".getBytes(StandardCharsets.US_ASCII));
            Files.createSymbolicLink(root().resolve("cur/link:2,S"), dir.resolve("secret"));
            Files.createDirectory(root().resolve("new/subdir"));
            assertThat(store.scan()).isEmpty();
            assertThat(store.append("INBOX", validity, List.of(stored("<1@x>", "1")))).containsExactly(1L);
            assertThat(store.scan().keySet()).containsExactly(1L);
            assertThat(names(root().resolve("tmp"))).containsExactly("1700000000.99_1.h");
        }
    }

    @Test
    void expungeDeletesExactlyThoseUids() throws IOException {
        try (MaildirSyncStore store = open()) {
            long validity = store.select("INBOX").uidValidity();
            store.append("INBOX", validity, List.of(stored("<1@x>", "1"), stored("<2@x>", "2"), stored("<3@x>", "3")));
            store.expunge(List.of(1L, 3L, 5L));
            assertThat(store.scan().keySet()).containsExactly(2L);
            assertThat(names(root().resolve("cur"))).hasSize(1);
            assertThat(store.fetch(List.of(1L))).isEmpty();
            store.store(List.of(1L), Set.of("\\Seen"), Set.of()); // gone: ignored
        }
    }

    @Test
    void messageIdIsReadFromTheHeaderOnlyAndUnfolded() throws IOException {
        try (MaildirSyncStore store = open()) {
            long validity = store.select("INBOX").uidValidity();
            byte[] folded = "Subject: x\r\nMessage-ID:\r\n <folded@x>\r\n\r\nMessage-ID: <body@x>\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] none = "Subject: x\r\n\r\nMessage-ID: <body@x>\r\n".getBytes(StandardCharsets.US_ASCII);
            store.append("INBOX", validity, List.of(new StoredMessage(0, List.of(), DATE, folded.length, folded),
                    new StoredMessage(0, List.of(), DATE, none.length, none)));
            assertThat(store.messageIds(List.of(1L, 2L, 3L))).containsExactly(Map.entry(1L, "<folded@x>"));
        }
    }

    @Test
    void idleReportsADeliveryAndTimesOutOtherwise() throws Exception {
        try (MaildirSyncStore store = open()) {
            store.select("INBOX");
            store.scan();
            assertThat(store.idle(Duration.ofMillis(200))).isFalse();
            // Delivered once the store waits in idle (this thread parked in its watch), so only the watch can see
            // it: idle answers true for a change and false at its timeout, so true is the proof, no clock needed.
            Thread waiting = Thread.currentThread();
            Thread deliverer = new Thread(() -> {
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> waiting.getState() == Thread.State.TIMED_WAITING);
                    Files.write(root().resolve("new/1700000000.M1P1.h"), message("<1@x>", "1"));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            deliverer.start();
            assertThat(store.idle(Duration.ofSeconds(30))).isTrue();
            deliverer.join();
            // delivered before the wait began: reported at once
            Files.write(root().resolve("new/1700000001.M1P1.h"), message("<2@x>", "2"));
            assertThat(store.idle(Duration.ofSeconds(20))).isTrue();
            store.scan();
            assertThat(store.idle(Duration.ofMillis(100))).isFalse();
        }
    }

    @Test
    void changedSinceIsNotOffered() throws IOException {
        try (MaildirSyncStore store = open()) {
            assertThat(store.incremental()).isFalse();
            assertThatThrownBy(() -> store.changedSince(1)).isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
