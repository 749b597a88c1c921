package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MailboxSync} and {@link ChannelSync} against a real Dovecot (which has QRESYNC), one pair of accounts per
 * test; the mailboxes are set up and checked with the independent {@link SyncFixture} oracle client.
 */
class MailboxSyncTest {
    private static final List<String> USERS = List.of("copy", "crash", "merge", "conflict", "valve", "reset", "lost",
            "push", "incr", "folders", "sealed", "delfolder", "delkept", "delnot", "aligned", "move", "pending", "diedplain", "diedreset", "keptdel", "halfexp", "rewrite", "late");
    private static SyncFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        fixture = SyncFixture.start("mailsync", USERS);
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private ChannelSummary sync(SyncState state, ChannelConfig channel, boolean force) throws IOException {
        return fixture.sync(state, channel, force);
    }

    private static ChannelConfig channel(String user, String... mailboxes) {
        return fixture.channel(user, List.of(mailboxes.length == 0 ? new String[] {"INBOX"} : mailboxes));
    }

    @Test
    void aFirstSyncCopiesBothWaysWithFlagsAndDatesAndASecondChangesNothing() throws Exception {
        fixture.seed("copya", "INBOX", 0, 20);
        fixture.seed("copyb", "INBOX", 100, 10);
        ChannelConfig channel = channel("copy");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            ChannelSummary first = sync(state, channel, false);
            assertEquals(10, first.total(PairSummary::copiedToA));
            assertEquals(20, first.total(PairSummary::copiedToB));
            assertEquals(30, fixture.snapshot("copya", "INBOX").size());
            assertEquals(fixture.snapshot("copya", "INBOX"), fixture.snapshot("copyb", "INBOX"));

            ChannelSummary second = sync(state, channel, false);
            assertTrue(second.changedNothing(), second.toString());
            assertTrue(second.toString().contains("nothing to do"), second.toString());
            assertTrue(second.pairs().get(0).incremental(), "Dovecot has QRESYNC: the second run reads changes only");
            assertEquals(fixture.snapshot("copya", "INBOX"), fixture.snapshot("copyb", "INBOX"));
        }
    }

    @Test
    void aCopyWhoseRecordWasLostIsMatchedNotCopiedAgain() throws Exception {
        fixture.seed("crasha", "INBOX", 0, 8); // 3 and 7 have no Message-ID; 5 and 6 are twins
        // A run appended A's UIDs 3, 6 and 8 to B, then died before recording them.
        for (long uid : List.of(3L, 6L, 8L)) {
            fixture.copyByHand("crasha", "crashb", "INBOX", uid);
        }
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            ChannelSummary run = sync(state, channel("crash"), false);
            assertEquals(5, run.total(PairSummary::copiedToB), run.toString());
            assertEquals(3, run.total(PairSummary::matched), run.toString());
            assertEquals(0, run.total(PairSummary::copiedToA), run.toString());
            assertEquals(fixture.snapshot("crasha", "INBOX"), fixture.snapshot("crashb", "INBOX"));
            assertEquals(8, state.read(new MailboxPair("crash", "INBOX", "INBOX")).messages().size());
            assertTrue(sync(state, channel("crash"), false).changedNothing());
        }
    }

    @Test
    void twoMailboxesAlikeBeforeTheirFirstSyncAreMatchedNotCopied() throws Exception {
        fixture.seed("aligneda", "INBOX", 0, 30); // twins 5 and 6; 3, 7, 11, ... without Message-ID
        fixture.seed("alignedb", "INBOX", 0, 30);
        fixture.seed("aligneda", "INBOX", 200, 2);
        fixture.seed("alignedb", "INBOX", 300, 3);
        fixture.command("alignedb", "INBOX", "UID STORE 1 +FLAGS ($OnlyOnB)");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            ChannelSummary run = sync(state, channel("aligned"), false);
            assertEquals(30, run.total(PairSummary::matched), run.toString());
            assertEquals(2, run.total(PairSummary::copiedToB), run.toString());
            assertEquals(3, run.total(PairSummary::copiedToA), run.toString());
            assertEquals(1, run.total(PairSummary::flagged), "B's extra flag counts as its change: " + run);
            assertEquals(35, fixture.snapshot("aligneda", "INBOX").size());
            assertEquals(fixture.snapshot("aligneda", "INBOX"), fixture.snapshot("alignedb", "INBOX"));
            assertTrue(sync(state, channel("aligned"), false).changedNothing());
        }
    }

    @Test
    void aMessageMovedOnOneSideReachesItsNewFolderBeforeItLeavesItsOldOne() throws Exception {
        fixture.create("movea", "Archive");
        fixture.create("moveb", "Archive");
        fixture.seed("movea", "INBOX", 0, 5); // one of five moves: within the safety valve
        ChannelConfig channel = channel("move", "INBOX", "Archive");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.move("movea", "INBOX", 1, "Archive");
            List<String> inboxFinished = new ArrayList<>();
            List<String> archiveOnBThen = new ArrayList<>();
            SyncListener probe = new SyncListener() {
                @Override
                public void finished(MailboxPair pair, PairSummary summary) {
                    if (pair.mailboxA().equals("INBOX")) {
                        inboxFinished.add(pair.mailboxA() + " expunged " + summary.expunged());
                        try {
                            archiveOnBThen.addAll(fixture.snapshot("moveb", "Archive"));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }
            };
            fixture.sync(state, channel, probe);
            assertEquals(List.of("INBOX expunged 1"), inboxFinished);
            assertEquals(1, archiveOnBThen.size(), "the copy was in Archive when INBOX's copy was expunged");
            assertEquals(fixture.snapshot("movea", "Archive"), fixture.snapshot("moveb", "Archive"));
            assertEquals(fixture.snapshot("movea", "INBOX"), fixture.snapshot("moveb", "INBOX"));
            assertEquals(4, fixture.snapshot("moveb", "INBOX").size());
        }
    }

    @Test
    void flagsMergeFlagByFlagAgainstTheLastRun() throws Exception {
        fixture.seed("mergea", "INBOX", 0, 4); // flags: {}, {\Seen}, {\Seen \Flagged}, {\Answered $Label1}
        ChannelConfig channel = channel("merge");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.command("mergea", "INBOX", "UID STORE 1 +FLAGS (\\Flagged)");
            fixture.command("mergea", "INBOX", "UID STORE 2 -FLAGS (\\Seen)");
            fixture.command("mergeb", "INBOX", "UID STORE 1 +FLAGS ($Work)");
            fixture.command("mergeb", "INBOX", "UID STORE 3 -FLAGS (\\Flagged)");
            fixture.command("mergeb", "INBOX", "UID STORE 2 +FLAGS (\\Answered)");
            ChannelSummary run = sync(state, channel, false);
            assertEquals(3, run.total(PairSummary::flagged), run.toString());
            assertEquals(0, run.total(PairSummary::conflicts));
            Map<String, Set<String>> a = fixture.flagsByMessageId("mergea", "INBOX");
            assertEquals(a, fixture.flagsByMessageId("mergeb", "INBOX"));
            assertEquals(Set.of("\\Flagged", "$Work"), a.get("<m0@example.org>"));
            assertEquals(Set.of("\\Answered"), a.get("<m1@example.org>"));
            assertEquals(Set.of("\\Seen"), a.get("<m2@example.org>"));
            assertTrue(sync(state, channel, false).changedNothing());
        }
    }

    @Test
    void anExpungePropagatesUnlessTheOtherSideChangedTheMessage() throws Exception {
        fixture.seed("conflicta", "INBOX", 0, 10);
        ChannelConfig channel = channel("conflict");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.expunge("conflicta", "INBOX", 1, 2);
            fixture.command("conflictb", "INBOX", "UID STORE 2 +FLAGS (\\Flagged)");
            ChannelSummary run = sync(state, channel, false);
            assertEquals(1, run.total(PairSummary::expunged), run.toString());
            assertEquals(1, run.total(PairSummary::conflicts), run.toString());
            assertEquals(1, run.total(PairSummary::copiedToA), "the changed message is copied back: " + run);
            Map<String, Set<String>> a = fixture.flagsByMessageId("conflicta", "INBOX");
            assertEquals(a, fixture.flagsByMessageId("conflictb", "INBOX"));
            assertEquals(6, a.size()); // by Message-ID: m3 and m7 have none, the twins m5 and m6 share one
            assertEquals(9, fixture.snapshot("conflicta", "INBOX").size());
            assertFalse(a.containsKey("<m0@example.org>"));
            assertEquals(Set.of("\\Seen", "\\Flagged"), a.get("<m1@example.org>"));
            assertTrue(sync(state, channel, false).changedNothing());
        }
    }

    @Test
    void theSafetyValveHoldsAMassExpungeUntilForced() throws Exception {
        fixture.seed("valvea", "INBOX", 0, 8);
        ChannelConfig channel = channel("valve");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.expunge("valvea", "INBOX", 1, 2, 3, 4);
            for (int run = 0; run < 2; run++) { // the second run (incremental) must still see the held expunges
                ChannelSummary held = sync(state, channel, false);
                assertTrue(held.needsForce(), held.toString());
                assertEquals(4, held.total(PairSummary::heldExpunges));
                assertTrue(held.toString().contains("--force"), held.toString());
                assertEquals(8, fixture.snapshot("valveb", "INBOX").size());
            }
            ChannelSummary forced = sync(state, channel, true);
            assertEquals(4, forced.total(PairSummary::expunged), forced.toString());
            assertFalse(forced.needsForce());
            assertEquals(fixture.snapshot("valvea", "INBOX"), fixture.snapshot("valveb", "INBOX"));
            assertEquals(4, fixture.snapshot("valveb", "INBOX").size());
        }
    }

    @Test
    void aUidValidityResetIsReMatchedWithoutDeletionOrDuplicates() throws Exception {
        fixture.create("reseta", "Work");
        fixture.create("resetb", "Work");
        fixture.seed("reseta", "Work", 0, 12);
        ChannelConfig channel = channel("reset", "Work");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            List<String> before = fixture.snapshot("reseta", "Work");
            // B's server rebuilt the mailbox: a new UIDVALIDITY, the same messages under new UIDs, two of them lost.
            List<SyncFixture.Raw> kept = fixture.messages("resetb", "Work");
            fixture.command("resetb", null, "DELETE Work");
            fixture.create("resetb", "Work");
            for (int i = kept.size() - 1; i >= 0; i--) {
                if (i != 4 && i != 9) {
                    fixture.append("resetb", "Work", kept.get(i));
                }
            }
            ChannelSummary run = sync(state, channel, false);
            assertEquals(10, run.total(PairSummary::matched), run.toString());
            assertEquals(2, run.total(PairSummary::copiedToB), "the two lost ones come back from A: " + run);
            assertEquals(0, run.total(PairSummary::expunged));
            assertEquals(0, run.total(PairSummary::copiedToA));
            assertEquals(before, fixture.snapshot("reseta", "Work"));
            assertEquals(12, fixture.snapshot("resetb", "Work").size());
            assertTrue(sync(state, channel, false).changedNothing());
        }
    }

    @Test
    void aResetWhoseRunDiedBeforeReMatchingIsReMatchedByTheNextRun() throws Exception {
        fixture.create("diedreseta", "Work");
        fixture.create("diedresetb", "Work");
        fixture.seed("diedreseta", "Work", 0, 12);
        ChannelConfig channel = channel("diedreset", "Work");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            List<SyncFixture.Raw> kept = fixture.messages("diedresetb", "Work");
            fixture.command("diedresetb", null, "DELETE Work");
            fixture.create("diedresetb", "Work");
            for (SyncFixture.Raw m : kept) {
                fixture.append("diedresetb", "Work", m);
            }
            // This run records B's new UIDVALIDITY, then dies reading B's messages to re-match them.
            assertThrows(IOException.class, () -> runWithFailingB(state, channel, MessageTranslator.NONE,
                    FailingStore::failNextFetch));
            ChannelSummary run = sync(state, channel, false);
            assertEquals(12, run.total(PairSummary::matched), run.toString());
            assertEquals(0, run.total(PairSummary::copiedToB) + run.total(PairSummary::copiedToA), run.toString());
            assertEquals(12, fixture.snapshot("diedresetb", "Work").size());
            assertEquals(fixture.snapshot("diedreseta", "Work"), fixture.snapshot("diedresetb", "Work"));
            assertTrue(sync(state, channel, false).changedNothing());
        }
    }

    @Test
    void copiesTheServerChangedOnTheWayInAreRecordedAsStoredNotCopiedAgain() throws Exception {
        fixture.seed("rewritea", "INBOX", 0, 6);
        ChannelConfig channel = channel("rewrite");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            ChannelSummary first = runWithFailingB(state, channel, MessageTranslator.NONE, FailingStore::rewriteAppends);
            assertEquals(6, first.total(PairSummary::copiedToB), first.toString());
            ChannelSummary second = runWithFailingB(state, channel, MessageTranslator.NONE,
                    FailingStore::rewriteAppends);
            assertTrue(second.changedNothing(), "no copy taken for new mail: " + second);
            assertEquals(6, fixture.snapshot("rewriteb", "INBOX").size());
            assertEquals(6, fixture.snapshot("rewritea", "INBOX").size());
        }
    }

    @Test
    void aMessageChangedWhileTheRunWasUnderWayIsNotExpunged() throws Exception {
        fixture.create("latea", "Work");
        fixture.create("lateb", "Work");
        fixture.seed("latea", "INBOX", 0, 10);
        ChannelConfig channel = channel("late", "INBOX", "Work");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.expunge("latea", "INBOX", 1);
            fixture.seed("latea", "Work", 50, 2);
            // While Work is copied (after INBOX was read, before its expunges), somebody flags the message on B.
            SyncListener meanwhile = new SyncListener() {
                @Override
                public void copied(MailboxPair pair, int messages, long bytes) {
                    try {
                        fixture.command("lateb", "INBOX", "UID STORE 1 +FLAGS (\\Flagged)");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            ChannelSummary run = fixture.sync(state, channel, meanwhile);
            assertEquals(0, run.total(PairSummary::expunged), run.toString());
            assertEquals(1, run.total(PairSummary::conflicts), run.toString());
            assertEquals(10, fixture.snapshot("lateb", "INBOX").size());
            ChannelSummary next = sync(state, channel, false);
            assertEquals(1, next.total(PairSummary::copiedToA), "the changed message comes back: " + next);
            assertEquals(fixture.snapshot("lateb", "INBOX"), fixture.snapshot("latea", "INBOX"));
        }
    }

    @Test
    void anExpungeInterruptedAfterItsStoreIsFinishedNotTakenForAChange() throws Exception {
        fixture.seed("halfexpa", "INBOX", 0, 10);
        ChannelConfig channel = channel("halfexp");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.expunge("halfexpa", "INBOX", 1);
            // The previous run marked B's copy \Deleted and died before its UID EXPUNGE.
            fixture.command("halfexpb", "INBOX", "UID STORE 1 +FLAGS (\\Deleted)");
            ChannelSummary run = sync(state, channel, false);
            assertEquals(1, run.total(PairSummary::expunged), run.toString());
            assertEquals(0, run.total(PairSummary::conflicts), run.toString());
            assertEquals(0, run.total(PairSummary::copiedToA), run.toString());
            assertEquals(9, fixture.snapshot("halfexpb", "INBOX").size());
            assertEquals(fixture.snapshot("halfexpa", "INBOX"), fixture.snapshot("halfexpb", "INBOX"));
        }
    }

    @Test
    void aMailboxEmptiedByAResetIsRefilledNotPropagated() throws Exception {
        fixture.create("losta", "Work");
        fixture.create("lostb", "Work");
        fixture.seed("losta", "Work", 0, 6);
        ChannelConfig channel = channel("lost", "Work");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.command("lostb", null, "DELETE Work");
            fixture.create("lostb", "Work");
            ChannelSummary run = sync(state, channel, false);
            assertEquals(6, run.total(PairSummary::copiedToB), run.toString());
            assertEquals(0, run.total(PairSummary::expunged));
            assertEquals(fixture.snapshot("losta", "Work"), fixture.snapshot("lostb", "Work"));
            assertEquals(6, fixture.snapshot("losta", "Work").size());
        }
    }

    @Test
    void pushCarriesAsChangesToBAndNeverWritesA() throws Exception {
        fixture.seed("pusha", "INBOX", 0, 3);
        ChannelConfig channel = channel("push").withDirection(ChannelConfig.Direction.PUSH);
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.seed("pushb", "INBOX", 50, 1); // new on B: stays on B only
            fixture.command("pushb", "INBOX", "UID STORE 1 +FLAGS (\\Flagged)"); // B's own change: overwritten
            fixture.command("pusha", "INBOX", "UID STORE 2 +FLAGS (\\Answered)");
            List<String> a = fixture.snapshot("pusha", "INBOX");
            ChannelSummary run = sync(state, channel, false);
            assertEquals(0, run.total(PairSummary::copiedToA), run.toString());
            assertEquals(a, fixture.snapshot("pusha", "INBOX"));
            Map<String, Set<String>> b = fixture.flagsByMessageId("pushb", "INBOX");
            assertEquals(4, b.size());
            b.remove("<m50@example.org>");
            assertEquals(fixture.flagsByMessageId("pusha", "INBOX"), b);
        }
    }

    @Test
    void anIncrementalRunSeesFlagsAndExpungesOfOtherClients() throws Exception {
        fixture.seed("incra", "INBOX", 0, 6);
        ChannelConfig channel = channel("incr");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.command("incrb", "INBOX", "UID STORE 1 +FLAGS (\\Flagged)");
            fixture.expunge("incrb", "INBOX", 5);
            fixture.seed("incrb", "INBOX", 60, 1);
            ChannelSummary run = sync(state, channel, false);
            PairSummary pair = run.pairs().get(0);
            assertTrue(pair.incremental(), run.toString());
            assertEquals(1, pair.flagged());
            assertEquals(1, pair.expunged());
            assertEquals(1, pair.copiedToA());
            assertEquals(fixture.snapshot("incra", "INBOX"), fixture.snapshot("incrb", "INBOX"));
            assertEquals(6, fixture.snapshot("incra", "INBOX").size());
        }
    }

    @Test
    void foldersMissingOnOneSideAreCreatedAndSynchronised() throws Exception {
        fixture.create("foldersa", "Archive");
        fixture.create("foldersa", "Archive.2024");
        fixture.seed("foldersa", "Archive.2024", 0, 2);
        fixture.create("foldersb", "Lists");
        fixture.seed("foldersb", "Lists", 30, 1);
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            ChannelSummary run = sync(state, channel("folders", "*"), false);
            assertEquals(Set.of("B:Archive", "B:Archive.2024", "A:Lists"), Set.copyOf(run.foldersCreated()),
                    run.toString());
            for (String mailbox : List.of("INBOX", "Archive", "Archive.2024", "Lists")) {
                assertEquals(fixture.snapshot("foldersa", mailbox), fixture.snapshot("foldersb", mailbox), mailbox);
            }
            assertEquals(2, fixture.snapshot("foldersb", "Archive.2024").size());
            assertTrue(sync(state, channel("folders", "*"), false).changedNothing());
        }
    }

    /** Stands in for encryption to B's key: B's copies get a header in front, so they differ from A's originals. */
    private static final MessageTranslator SEALING = new MessageTranslator() {
        @Override
        public byte[] forStore(byte[] message, java.util.Optional<String> encryptTo) {
            return encryptTo.isEmpty() ? message
                    : ("X-Sealed-For: " + encryptTo.get() + "\r\n" + new String(message, StandardCharsets.ISO_8859_1))
                    .getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public byte[] contentDigest(byte[] message) {
            return MessageTranslator.NONE.contentDigest(message);
        }
    };

    @Test
    void copiesTranslatedForBAreReMatchedByTheirOwnContentAfterAReset() throws Exception {
        fixture.create("sealeda", "Work");
        fixture.create("sealedb", "Work");
        fixture.seed("sealeda", "Work", 0, 8);
        ChannelConfig channel = fixture.channel("sealed", List.of("Work"), "sealedb@example.org");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            assertEquals(8, fixture.sync(state, channel, SEALING).total(PairSummary::copiedToB));
            List<SyncFixture.Raw> copies = fixture.messages("sealedb", "Work");
            assertTrue(copies.stream().allMatch(m -> new String(m.content(), StandardCharsets.ISO_8859_1)
                    .startsWith("X-Sealed-For: sealedb@example.org\r\n")));
            assertTrue(fixture.sync(state, channel, SEALING).changedNothing());

            fixture.command("sealedb", null, "DELETE Work");
            fixture.create("sealedb", "Work");
            for (SyncFixture.Raw m : copies) {
                fixture.append("sealedb", "Work", m);
            }
            ChannelSummary run = fixture.sync(state, channel, SEALING);
            assertEquals(8, run.total(PairSummary::matched), run.toString());
            assertEquals(0, run.total(PairSummary::copiedToB), "no second copy: " + run);
            assertEquals(0, run.total(PairSummary::copiedToA), run.toString());
            assertEquals(8, fixture.snapshot("sealedb", "Work").size());
            assertEquals(8, fixture.snapshot("sealeda", "Work").size());
            assertTrue(fixture.sync(state, channel, SEALING).changedNothing());
        }
    }

    /** A run against A and B where B's check after the first APPEND fails, as a run killed right after it. */
    private ChannelSummary dieAfterAppend(SyncState state, ChannelConfig channel, MessageTranslator translator)
            throws IOException {
        return runWithFailingB(state, channel, translator, FailingStore::failAfterNextAppend);
    }

    private ChannelSummary runWithFailingB(SyncState state, ChannelConfig channel, MessageTranslator translator,
                                           java.util.function.UnaryOperator<FailingStore> failure) throws IOException {
        org.mailseal.imap.ImapUpstreamConfig upstream = org.mailseal.imap.ImapUpstreamConfig.plain("127.0.0.1",
                fixture.port());
        String user = channel.name();
        try (SyncStore a = ImapSyncStore.open(upstream, user + "a@example.org", SyncFixture.PASSWORD.toCharArray());
             SyncStore b = failure.apply(new FailingStore(ImapSyncStore.open(upstream, user + "b@example.org",
                     SyncFixture.PASSWORD.toCharArray())))) {
            return new ChannelSync(state, channel, a, b, translator, SyncListener.NONE).run(false);
        }
    }

    @Test
    void aTranslatedCopyWhoseRecordWasLostIsFoundByItsOwnContent() throws Exception {
        fixture.seed("pendinga", "INBOX", 0, 12);
        ChannelConfig channel = fixture.channel("pending", List.of("INBOX"), "pendingb@example.org");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            assertThrows(IOException.class, () -> dieAfterAppend(state, channel, SEALING));
            assertEquals(12, fixture.snapshot("pendingb", "INBOX").size(), "the copies were appended");
            assertEquals(12, state.pendingCopies(new MailboxPair("pending", "INBOX", "INBOX")).size());

            ChannelSummary rerun = fixture.sync(state, channel, SEALING);
            assertEquals(12, rerun.total(PairSummary::matched), rerun.toString());
            assertEquals(0, rerun.total(PairSummary::copiedToB) + rerun.total(PairSummary::copiedToA), rerun.toString());
            assertEquals(12, fixture.snapshot("pendingb", "INBOX").size());
            assertEquals(12, fixture.snapshot("pendinga", "INBOX").size());
            assertTrue(state.pendingCopies(new MailboxPair("pending", "INBOX", "INBOX")).isEmpty());
            assertTrue(fixture.sync(state, channel, SEALING).changedNothing());
        }
    }

    @Test
    void anUntranslatedCopyWhoseRecordWasLostIsMatchedWithoutPendingRecords() throws Exception {
        fixture.seed("diedplaina", "INBOX", 0, 12);
        ChannelConfig channel = channel("diedplain");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            assertThrows(IOException.class, () -> dieAfterAppend(state, channel, MessageTranslator.NONE));
            assertTrue(state.pendingCopies(new MailboxPair("diedplain", "INBOX", "INBOX")).isEmpty());
            ChannelSummary rerun = sync(state, channel, false);
            assertEquals(12, rerun.total(PairSummary::matched), rerun.toString());
            assertEquals(fixture.snapshot("diedplaina", "INBOX"), fixture.snapshot("diedplainb", "INBOX"));
        }
    }

    private static ChannelConfig deleting(String user, String... mailboxes) {
        java.util.Set<ChannelConfig.Change> changes = new java.util.HashSet<>(ChannelConfig.DEFAULT_PROPAGATION);
        changes.add(ChannelConfig.Change.DELETE_FOLDERS);
        return channel(user, mailboxes).withPropagate(changes);
    }

    @Test
    void aDeletedFolderIsDeletedOnTheOtherSideAtOnceWhenEmptyAndWithForceWhenItHoldsMail() throws Exception {
        for (String folder : List.of("Work", "Empty", "Kept")) {
            fixture.create("delfoldera", folder);
        }
        fixture.seed("delfoldera", "Work", 0, 3);
        fixture.seed("delfoldera", "Kept", 10, 1);
        ChannelConfig channel = deleting("delfolder", "*");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.command("delfoldera", null, "DELETE Work");
            fixture.command("delfoldera", null, "DELETE Empty");

            ChannelSummary held = sync(state, channel, false);
            assertEquals(List.of("B:Empty"), held.foldersDeleted(), held.toString());
            assertEquals(List.of("B:Work"), held.folderDeletionsHeld(), held.toString());
            assertTrue(held.needsForce());
            assertTrue(held.toString().contains("--force"), held.toString());
            assertEquals(3, fixture.snapshot("delfolderb", "Work").size());
            assertTrue(held.foldersCreated().isEmpty(), "a held deletion is not undone: " + held);

            ChannelSummary forced = sync(state, channel, true);
            assertEquals(List.of("B:Work"), forced.foldersDeleted(), forced.toString());
            assertEquals(List.of("INBOX", "Kept"), fixture.mailboxes("delfolderb"));
            assertEquals(List.of("INBOX", "Kept"), fixture.mailboxes("delfoldera"));
            assertTrue(sync(state, channel, false).changedNothing());
            assertEquals(1, fixture.snapshot("delfolderb", "Kept").size());
        }
    }

    @Test
    void aDeletedFolderWhoseTwinGotNewMailIsCreatedAgainAndRefilled() throws Exception {
        fixture.create("delkepta", "Work");
        fixture.seed("delkepta", "Work", 0, 3);
        ChannelConfig channel = deleting("delkept", "Work");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.command("delkepta", null, "DELETE Work");
            fixture.seed("delkeptb", "Work", 40, 1); // arrived on B after the last run: must not be lost
            ChannelSummary run = sync(state, channel, true);
            assertTrue(run.foldersDeleted().isEmpty(), run.toString());
            assertEquals(List.of("A:Work"), run.foldersCreated(), run.toString());
            assertEquals(4, fixture.snapshot("delkepta", "Work").size());
            assertEquals(fixture.snapshot("delkepta", "Work"), fixture.snapshot("delkeptb", "Work"));
        }
    }

    @Test
    void folderDeletionWithoutExpungesNeverDeletesWhatTheOtherSideKept() throws Exception {
        fixture.create("keptdela", "Work");
        fixture.seed("keptdela", "Work", 0, 5);
        ChannelConfig channel = deleting("keptdel", "Work").withPropagate(java.util.Set.of(ChannelConfig.Change.NEW,
                ChannelConfig.Change.FLAGS, ChannelConfig.Change.CREATE_FOLDERS, ChannelConfig.Change.DELETE_FOLDERS));
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.expunge("keptdela", "Work", 1); // not propagated: B keeps it
            sync(state, channel, false);
            fixture.command("keptdela", null, "DELETE Work");
            ChannelSummary run = sync(state, channel, true);
            assertTrue(run.foldersDeleted().isEmpty(), run.toString());
            assertEquals(List.of("A:Work"), run.foldersCreated(), run.toString());
            assertEquals(5, fixture.snapshot("keptdelb", "Work").size());
        }
    }

    @Test
    void withoutFolderDeletionADeletedFolderComesBackWithItsMail() throws Exception {
        fixture.create("delnota", "Work");
        fixture.seed("delnota", "Work", 0, 3);
        ChannelConfig channel = channel("delnot", "Work");
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            sync(state, channel, false);
            fixture.command("delnota", null, "DELETE Work");
            ChannelSummary run = sync(state, channel, false);
            assertEquals(List.of("A:Work"), run.foldersCreated(), run.toString());
            assertEquals(0, run.total(PairSummary::expunged));
            assertEquals(fixture.snapshot("delnotb", "Work"), fixture.snapshot("delnota", "Work"));
            assertEquals(3, fixture.snapshot("delnota", "Work").size());
        }
    }

    @Test
    void flagsMergeWithoutConflicts() {
        Set<String> base = Set.of("\\Seen", "$A");
        assertEquals(new TreeSet<>(Set.of("\\Seen", "\\Flagged", "$B")),
                MailboxSync.merge(base, Set.of("\\Seen", "\\Flagged", "$A"), Set.of("\\Seen", "$B")));
        assertEquals(Set.of(), MailboxSync.merge(base, Set.of(), base));
        assertEquals(base, MailboxSync.merge(base, base, base));
    }

    @Test
    void messageIdIsTheUnfoldedHeaderValue() {
        assertEquals("<x@y>", MailboxSync.messageId("Subject: s\r\nMessage-Id:\r\n\t<x@y>\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII)));
        assertNull(MailboxSync.messageId("Subject: s\r\n\r\nMessage-ID: <x@y>\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertNull(MailboxSync.messageId("Message-ID: \r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    }
}
