package org.mailseal.imap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncStateTest {
    private static final MailboxPair INBOX = new MailboxPair("office-laptop", "INBOX", "INBOX");
    private static final MailboxPair ARCHIVE = new MailboxPair("office-laptop", "Archive/2024", "Archive.2024");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("sync-state.db");
    }

    private static ContentKey key(String messageId, String body) {
        try {
            return ContentKey.of(messageId,
                    MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anUnknownMailboxPairReadsAsNeverSynchronised() {
        try (SyncState state = SyncState.open(file())) {
            MailboxState s = state.read(INBOX);
            assertThat(s.sideA()).isEqualTo(SideState.UNKNOWN);
            assertThat(s.sideB()).isEqualTo(SideState.UNKNOWN);
            assertThat(s.messages()).isEmpty();
            assertThat(state.mailboxPairs("office-laptop")).isEmpty();
        }
    }

    @Test
    void roundTripsSidesPairsFlagsAndContentKeys() throws Exception {
        MessagePair one = new MessagePair(1, 101, Set.of("\\Seen", "$Label1"), key("<1@x>", "one"));
        MessagePair two = new MessagePair(2, 102, Set.of(), key(null, "two"));
        try (SyncState state = SyncState.open(file())) {
            state.recordSide(INBOX, Side.A, new SideState(7, 1000));
            state.recordSide(INBOX, Side.B, new SideState(9, 0));
            state.recordPair(INBOX, one);
            state.recordPair(INBOX, two);
            state.recordPair(ARCHIVE, new MessagePair(5, 5, Set.of("\\Flagged"), key("<5@x>", "five")));

            MailboxState s = state.read(INBOX);
            assertThat(s.sideA()).isEqualTo(new SideState(7, 1000));
            assertThat(s.sideB()).isEqualTo(new SideState(9, 0));
            assertThat(s.messages()).containsExactly(one, two);
            assertThat(state.mailboxPairs("office-laptop")).containsExactly(ARCHIVE, INBOX);
            assertThat(state.mailboxPairs("another")).isEmpty();
        }
    }

    @Test
    void updatesFlagsAndForgetsPairsBySideAndUid() throws Exception {
        try (SyncState state = SyncState.open(file())) {
            state.recordPair(INBOX, new MessagePair(1, 101, Set.of(), key("<1@x>", "one")));
            state.recordPair(INBOX, new MessagePair(2, 102, Set.of(), key("<2@x>", "two")));

            state.updateFlags(INBOX, Side.B, 101, Set.of("\\Seen", "\\Answered"));
            state.forget(INBOX, Side.A, 2);

            assertThat(state.read(INBOX).messages()).singleElement()
                    .satisfies(m -> assertThat(m.flags()).containsExactlyInAnyOrder("\\Seen", "\\Answered"));
            assertThatThrownBy(() -> state.forget(INBOX, Side.A, 2))
                    .isInstanceOf(SyncStateException.class).hasMessageContaining("no message with UID 2 on side A");
            assertThatThrownBy(() -> state.updateFlags(INBOX, Side.A, 1, Set.of("two words")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IMAP flag");
        }
    }

    @Test
    void aUidIsRecordedOnlyOncePerSide() throws Exception {
        try (SyncState state = SyncState.open(file())) {
            state.recordPair(INBOX, new MessagePair(1, 101, Set.of(), key("<1@x>", "one")));
            assertThatThrownBy(() -> state.recordPair(INBOX, new MessagePair(1, 102, Set.of(), key("<2@x>", "two"))))
                    .isInstanceOf(SyncStateException.class).hasMessageContaining("UNIQUE");
            assertThatThrownBy(() -> state.recordPair(INBOX, new MessagePair(0, 102, Set.of(), key("<2@x>", "two"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UID on both sides");
        }
    }

    @Test
    void survivesReopening() throws Exception {
        MessagePair one = new MessagePair(1, 101, Set.of("\\Seen"), key("<1@x>", "one"));
        try (SyncState state = SyncState.open(file())) {
            state.recordSide(INBOX, Side.A, new SideState(7, 1000));
            state.recordPair(INBOX, one);
        }
        try (SyncState state = SyncState.open(file())) {
            assertThat(state.read(INBOX).sideA()).isEqualTo(new SideState(7, 1000));
            assertThat(state.read(INBOX).messages()).containsExactly(one);
        }
    }

    @Test
    void theStateAndItsJournalAreReadableByTheirOwnerOnly() throws Exception {
        try (SyncState state = SyncState.open(file())) {
            state.recordPair(INBOX, new MessagePair(1, 101, Set.of(), key("<1@x>", "one")));
            for (String suffix : List.of("", ".lock", "-wal")) {
                Path p = file().resolveSibling(file().getFileName() + suffix);
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                        .as(p.toString()).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void usesAWalJournalAndRecordsTheSchemaVersion() throws Exception {
        try (SyncState state = SyncState.open(file())) {
            state.recordPair(INBOX, new MessagePair(1, 101, Set.of(), key("<1@x>", "one")));
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            try (ResultSet rs = st.executeQuery("SELECT version FROM schema_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(SyncState.SCHEMA_VERSION);
            }
        }
    }

    @Test
    void aStepThatThrowsLeavesNothingBehindAfterReopening() throws Exception {
        MessagePair kept = new MessagePair(1, 101, Set.of("\\Seen"), key("<1@x>", "one"));
        try (SyncState state = SyncState.open(file())) {
            state.recordSide(INBOX, Side.A, new SideState(7, 1000));
            state.recordPair(INBOX, kept);

            assertThatThrownBy(() -> state.inTransaction(() -> {
                state.recordSide(INBOX, Side.A, new SideState(7, 2000));
                state.recordPair(INBOX, new MessagePair(2, 102, Set.of(), key("<2@x>", "two")));
                state.updateFlags(INBOX, Side.A, 1, Set.of());
                state.forget(INBOX, Side.A, 1);
                state.recordPair(ARCHIVE, new MessagePair(3, 3, Set.of(), key("<3@x>", "three")));
                throw new IllegalStateException("link cut");
            })).hasMessage("link cut");

            assertThat(state.read(INBOX).messages()).containsExactly(kept);
        }
        try (SyncState state = SyncState.open(file())) {
            assertThat(state.read(INBOX).sideA()).isEqualTo(new SideState(7, 1000));
            assertThat(state.read(INBOX).messages()).containsExactly(kept);
            assertThat(state.mailboxPairs("office-laptop")).containsExactly(INBOX);
        }
    }

    @Test
    void aCommittedStepIsVisibleAfterReopening() throws Exception {
        ContentKey two = key("<2@x>", "two");
        try (SyncState state = SyncState.open(file())) {
            state.inTransaction(() -> {
                state.recordSide(INBOX, Side.B, new SideState(9, 44));
                state.recordPair(INBOX, new MessagePair(2, 102, Set.of(), two));
            });
        }
        try (SyncState state = SyncState.open(file())) {
            assertThat(state.read(INBOX).sideB()).isEqualTo(new SideState(9, 44));
            assertThat(state.read(INBOX).messages()).hasSize(1);
        }
    }

    @Test
    void aNestedStepThatFailedRollsBackTheOuterOneEvenIfCaught() throws Exception {
        ContentKey two = key("<2@x>", "two");
        try (SyncState state = SyncState.open(file())) {
            assertThatThrownBy(() -> state.inTransaction(() -> {
                state.recordPair(INBOX, new MessagePair(1, 101, Set.of(), two));
                try {
                    state.inTransaction(() -> {
                        throw new IllegalStateException("inner");
                    });
                } catch (IllegalStateException swallowed) {
                    // the engine must not be able to commit half a step this way
                }
            })).isInstanceOf(SyncStateException.class).hasMessageContaining("nested step failed");
            assertThat(state.read(INBOX).messages()).isEmpty();
        }
    }

    @Test
    void aRepeatedReadIsAnsweredFromMemoryUntilAWriteOrARollback() {
        MessagePair one = new MessagePair(1, 101, Set.of("\\Seen"), key("<1@x>", "one"));
        MessagePair two = new MessagePair(2, 102, Set.of(), key("<2@x>", "two"));
        try (SyncState state = SyncState.open(file())) {
            state.recordPair(INBOX, one);
            MailboxState first = state.read(INBOX);
            assertThat(state.read(INBOX)).isSameAs(first);
            state.recordSide(INBOX, Side.A, new SideState(7, 1000)); // writes only the mailbox row
            assertThat(state.read(INBOX).sideA()).isEqualTo(new SideState(7, 1000));
            assertThat(state.read(ARCHIVE).messages()).isEmpty();
            assertThat(state.read(INBOX).messages()).containsExactly(one);

            // Read inside a transaction that is then rolled back: what it saw must not be answered again.
            assertThatThrownBy(() -> state.inTransaction(() -> {
                state.recordPair(INBOX, two);
                assertThat(state.read(INBOX).messages()).containsExactly(one, two);
                throw new IllegalStateException("crash");
            })).hasMessage("crash");
            assertThat(state.read(INBOX).messages()).containsExactly(one);

            state.updateFlags(INBOX, Side.A, 1, Set.of());
            assertThat(state.read(INBOX).messages()).containsExactly(new MessagePair(1, 101, Set.of(), one.content()));
        }
    }

    @Test
    void aPartialReadHasTheSidesAndOnlyTheMessagesNamedOnEitherSide() {
        try (SyncState state = SyncState.open(file())) {
            assertThat(state.read(INBOX, List.of(1L), List.of()).messages()).isEmpty(); // never recorded
            state.recordSide(INBOX, Side.A, new SideState(7, 1000));
            List<MessagePair> all = new ArrayList<>();
            for (int n = 1; n <= 1200; n++) { // more than one query's worth of UIDs
                all.add(new MessagePair(n, 5000 + n, Set.of(), key("<" + n + "@x>", "m" + n)));
            }
            state.inTransaction(() -> all.forEach(m -> state.recordPair(INBOX, m)));
            MailboxState sides = state.read(INBOX, List.of(), List.of());
            assertThat(sides.sideA()).isEqualTo(new SideState(7, 1000));
            assertThat(sides.messages()).isEmpty();

            List<Long> onA = new ArrayList<>();
            for (long uid = 1; uid <= 1200; uid += 2) {
                onA.add(uid);
            }
            onA.add(99_999L); // named, never recorded
            MailboxState some = state.read(INBOX, onA, List.of(5002L, 5003L, 6200L));
            List<MessagePair> expected = new ArrayList<>();
            for (MessagePair m : all) {
                if (m.uidA() % 2 == 1 || m.uidB() == 5002 || m.uidB() == 6200) {
                    expected.add(m);
                }
            }
            assertThat(some.messages()).containsExactlyElementsOf(expected); // once each, in UID order
            assertThat(state.unmatched(INBOX)).isZero();
            state.resetUidValidity(INBOX, Side.B, 8);
            assertThat(state.unmatched(INBOX)).isEqualTo(1200);
        }
    }

    @Test
    void refusesASecondOpenerInThisProcess() {
        try (SyncState first = SyncState.open(file())) {
            assertThatThrownBy(() -> SyncState.open(file()))
                    .isInstanceOf(SyncStateException.class)
                    .hasMessageContaining("in use by another sync")
                    .hasMessageContaining("process " + ProcessHandle.current().pid());
            first.recordSide(INBOX, Side.A, new SideState(1, 1)); // the holder is unaffected
        }
        SyncState.open(file()).close(); // and once closed, the file opens again
    }

    @Test
    void refusesToOpenWhileAnotherProcessHoldsTheLock() throws Exception {
        Path lockFile = dir.resolve("sync-state.db.lock");
        Files.writeString(lockFile, "4242");
        // Python's lockf is the same POSIX record lock as Java's FileChannel.lock on Linux.
        Process holder = new ProcessBuilder("python3", "-c", """
                import fcntl, sys
                f = open(sys.argv[1], 'r+')
                fcntl.lockf(f, fcntl.LOCK_EX)
                print('locked', flush=True)
                sys.stdin.read()
                """, lockFile.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> SyncState.open(file()))
                    .isInstanceOf(SyncStateException.class)
                    .hasMessageContaining("in use by another sync (process 4242)");
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        SyncState.open(file()).close();
    }

    @Test
    void aVersion1FileIsMigratedToTheCurrentSchemaAndKeepsWhatItHeld() throws Exception {
        MessagePair old = new MessagePair(1, 101, Set.of("\\Seen"), key("<1@x>", "one"));
        try (SyncState state = SyncState.open(file())) {
            state.recordPair(INBOX, old);
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement st = db.createStatement()) {
            st.execute("ALTER TABLE message_pair DROP COLUMN sha256_b"); // as version 1 wrote it
            st.execute("DROP TABLE pending_copy");
            st.execute("UPDATE schema_version SET version = 1");
        }
        MessagePair translated = new MessagePair(2, 102, Set.of(), key("<2@x>", "plaintext"),
                key("<2@x>", "encrypted for B"));
        try (SyncState state = SyncState.open(file())) {
            assertThat(state.read(INBOX).messages()).containsExactly(old);
            state.recordPair(INBOX, translated);
            PendingCopy pending = new PendingCopy(Side.B, 3, Set.of("\\Seen"), key("<3@x>", "plain"),
                    key("<3@x>", "sealed"));
            state.recordPendingCopies(INBOX, List.of(pending));
            assertThat(state.pendingCopies(INBOX)).containsExactly(pending);
            state.clearPendingCopies(INBOX);
            assertThat(state.pendingCopies(INBOX)).isEmpty();
        }
        try (SyncState state = SyncState.open(file())) {
            assertThat(state.read(INBOX).messages()).containsExactly(old, translated);
            assertThat(state.read(INBOX).messages().get(1).content(Side.B)).isEqualTo(key("<2@x>", "encrypted for B"));
            assertThat(old.content(Side.B)).isEqualTo(old.content(Side.A));
            state.resetUidValidity(INBOX, Side.B, 77);
            assertThat(state.rematch(INBOX, Side.B, 2, key("<2@x>", "plaintext"), 500)).isFalse(); // B's own content
            assertThat(state.rematch(INBOX, Side.B, 2, key("<2@x>", "encrypted for B"), 500)).isTrue();
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), max(version) FROM schema_version")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.getInt(2)).isEqualTo(SyncState.SCHEMA_VERSION);
        }
    }

    @Test
    void refusesASchemaNewerThanItReads() throws Exception {
        SyncState.open(file()).close();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement st = db.createStatement()) {
            st.execute("UPDATE schema_version SET version = " + (SyncState.SCHEMA_VERSION + 1));
        }
        assertThatThrownBy(() -> SyncState.open(file()))
                .isInstanceOf(SyncStateException.class)
                .hasMessageContaining("schema version " + (SyncState.SCHEMA_VERSION + 1))
                .hasMessageContaining("newer mailseal");
        SyncState.open(dir.resolve("other.db")).close(); // the refusal released its lock; other files unaffected
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement st = db.createStatement()) {
            st.execute("UPDATE schema_version SET version = " + SyncState.SCHEMA_VERSION);
        }
        SyncState.open(file()).close(); // the lock was released by the refused open
    }

    @Test
    void refusesAFileThatIsNotASyncState() throws Exception {
        Files.writeString(file(), "this is not a database, it is a configuration file ".repeat(50));
        assertThatThrownBy(() -> SyncState.open(file()))
                .isInstanceOf(SyncStateException.class)
                .hasMessageContaining(file().toString());
    }

    @Test
    void aUidValidityResetKeepsContentKeysAndTheOtherSideForRematching() throws Exception {
        ContentKey one = key("<1@x>", "one");
        ContentKey dup = key("<d@x>", "duplicate");
        try (SyncState state = SyncState.open(file())) {
            state.recordSide(INBOX, Side.A, new SideState(7, 1000));
            state.recordSide(INBOX, Side.B, new SideState(9, 500));
            state.recordPair(INBOX, new MessagePair(1, 101, Set.of("\\Seen"), one));
            state.recordPair(INBOX, new MessagePair(2, 102, Set.of(), dup));
            state.recordPair(INBOX, new MessagePair(3, 103, Set.of("\\Flagged"), dup));

            // A plain recordSide with a new UIDVALIDITY would silently keep stale UIDs: it is refused.
            assertThatThrownBy(() -> state.recordSide(INBOX, Side.A, new SideState(8, 1)))
                    .isInstanceOf(SyncStateException.class).hasMessageContaining("resetUidValidity");

            assertThat(state.resetUidValidity(INBOX, Side.A, 8)).isEqualTo(3);
        }
        try (SyncState state = SyncState.open(file())) {
            MailboxState s = state.read(INBOX);
            assertThat(s.sideA()).isEqualTo(new SideState(8, 0));
            assertThat(s.sideB()).isEqualTo(new SideState(9, 500));
            assertThat(s.messages()).hasSize(3).allSatisfy(m -> assertThat(m.matched(Side.A)).isFalse());
            assertThat(s.messages()).extracting(MessagePair::uidB).containsExactlyInAnyOrder(101L, 102L, 103L);
            assertThat(s.messages()).extracting(MessagePair::content).containsExactlyInAnyOrder(one, dup, dup);

            assertThat(state.rematch(INBOX, Side.A, 101, one, 11)).isTrue();
            assertThat(state.rematch(INBOX, Side.A, 103, dup, 13)).isTrue(); // twins: the one named takes it
            assertThat(state.rematch(INBOX, Side.A, 101, dup, 16)).isFalse(); // 101 is not that content
            assertThat(state.rematch(INBOX, Side.A, 0, dup, 12)).isTrue(); // 0: any waiting twin
            assertThat(state.rematch(INBOX, Side.A, 0, dup, 14)).isFalse(); // no third copy waits
            assertThat(state.rematch(INBOX, Side.A, 0, key("<1@x>", "other bytes"), 15)).isFalse();

            assertThat(state.read(INBOX).messages())
                    .extracting(MessagePair::uidA, MessagePair::uidB)
                    .containsExactlyInAnyOrder(
                            Tuple.tuple(11L, 101L),
                            Tuple.tuple(12L, 102L),
                            Tuple.tuple(13L, 103L));
            state.updateFlags(INBOX, Side.A, 11, Set.of());
        }
    }

    @Test
    void aClosedStoreSaysSo() {
        SyncState state = SyncState.open(file());
        state.close();
        state.close(); // idempotent
        assertThatThrownBy(() -> state.read(INBOX)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
