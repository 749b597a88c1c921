package org.mailseal.imap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailseal.imap.sync.MaildirSyncStoreTest.message;
import static org.mailseal.imap.sync.MaildirSyncStoreTest.stored;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync engine between two Maildirs (the laptop-replica case of issue 7), on the real store both sides. */
class MaildirChannelSyncTest {
    @TempDir
    Path dir;

    @Test
    void twoMaildirsConvergeAndASecondRunChangesNothing() throws IOException {
        Path rootA = dir.resolve("office");
        Path rootB = dir.resolve("laptop");
        ChannelConfig channel = ChannelConfig.of("laptop", new StoreConfig.Maildir(rootA, null),
                new StoreConfig.Maildir(rootB, null), List.of("*"));
        try (SyncState state = SyncState.open(dir.resolve("state.db"));
             MaildirSyncStore a = MaildirSyncStore.open(rootA);
             MaildirSyncStore b = MaildirSyncStore.open(rootB)) {
            a.append("INBOX", a.select("INBOX").uidValidity(), List.of(stored("<m1@x>", "1", "\\Seen"),
                    stored("<m2@x>", "2"), stored("<m3@x>", "3"), stored("<m4@x>", "4")));
            a.create("Work");
            a.append("Work", a.select("Work").uidValidity(), List.of(stored("<w1@x>", "w")));
            b.append("INBOX", b.select("INBOX").uidValidity(), List.of(stored("<b1@x>", "b1"),
                    stored("<b2@x>", "b2", "\\Flagged")));
            b.create("Lists.Rust");
            b.append("Lists.Rust", b.select("Lists.Rust").uidValidity(), List.of(stored("<r1@x>", "r")));

            ChannelSummary first = sync(state, channel, a, b);
            assertThat(first.foldersCreated()).containsExactlyInAnyOrder("B:Work", "A:Lists.Rust");
            assertThat(first.total(PairSummary::copiedToA)).isEqualTo(3);
            assertThat(first.total(PairSummary::copiedToB)).isEqualTo(5);
            assertThat(flagsById(a, "INBOX")).isEqualTo(flagsById(b, "INBOX")).containsEntry("<m1@x>", Set.of("\\Seen"))
                    .containsEntry("<b2@x>", Set.of("\\Flagged")).hasSize(6);
            assertThat(flagsById(b, "Work")).containsOnlyKeys("<w1@x>");
            assertThat(flagsById(a, "Lists.Rust")).containsOnlyKeys("<r1@x>");

            // Both sides change: flags on each (merged flag by flag), an expunge on A, a delivery into B's new/.
            a.store(List.of(uid(a, "INBOX", "<m2@x>")), Set.of("\\Flagged", "$Label1"), Set.of());
            b.store(List.of(uid(b, "INBOX", "<m2@x>")), Set.of("\\Seen"), Set.of());
            b.store(List.of(uid(b, "INBOX", "<m1@x>")), Set.of(), Set.of("\\Seen"));
            a.expunge(List.of(uid(a, "INBOX", "<b1@x>")));
            Files.write(rootB.resolve("new/1700000000.M1P1.mda"), message("<late@x>", "late"));

            ChannelSummary second = sync(state, channel, a, b);
            assertThat(second.total(PairSummary::expunged)).isEqualTo(1);
            assertThat(second.total(PairSummary::copiedToA)).isEqualTo(1);
            assertThat(second.total(PairSummary::copiedToB)).isZero();
            Map<String, Set<String>> inboxA = flagsById(a, "INBOX");
            assertThat(inboxA).isEqualTo(flagsById(b, "INBOX"))
                    .containsOnlyKeys("<m1@x>", "<m2@x>", "<m3@x>", "<m4@x>", "<b2@x>", "<late@x>")
                    .containsEntry("<m1@x>", Set.of())
                    .containsEntry("<m2@x>", Set.of("\\Flagged", "\\Seen", "$Label1"));
            assertThat(Files.readString(rootB.resolve("dovecot-keywords"))).isEqualTo("0 $Label1\n");

            ChannelSummary third = sync(state, channel, a, b);
            assertThat(third.changedNothing()).as(third.toString()).isTrue();
            assertThat(flagsById(a, "INBOX")).isEqualTo(inboxA);
        }
    }

    private static ChannelSummary sync(SyncState state, ChannelConfig channel, SyncStore a, SyncStore b)
            throws IOException {
        return new ChannelSync(state, channel, a, b, MessageTranslator.NONE, SyncListener.NONE).run(false);
    }

    private static Map<String, Set<String>> flagsById(MaildirSyncStore store, String mailbox) throws IOException {
        store.select(mailbox);
        TreeMap<Long, MessageInfo> scan = new TreeMap<>(store.scan());
        Map<Long, String> ids = store.messageIds(scan.keySet());
        Map<String, Set<String>> byId = new TreeMap<>();
        scan.forEach((uid, info) -> byId.put(ids.get(uid), info.flags()));
        assertThat(byId).hasSameSizeAs(scan); // no duplicates
        return byId;
    }

    private static long uid(MaildirSyncStore store, String mailbox, String messageId) throws IOException {
        store.select(mailbox);
        return store.messageIds(store.scan().keySet()).entrySet().stream()
                .filter(e -> e.getValue().equals(messageId)).findFirst().orElseThrow().getKey();
    }
}
