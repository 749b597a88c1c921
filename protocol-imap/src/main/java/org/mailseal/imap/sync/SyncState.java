package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The sync engine's memory between runs, in one SQLite file: per channel and mailbox pair, each side's UIDVALIDITY
 * and HIGHESTMODSEQ and the map of messages known on both sides with their last synchronised flags.
 *
 * <p>Durability: WAL journal with {@code synchronous=FULL}, so a committed step survives a crash or power loss and
 * an interrupted one leaves nothing. Group the changes of one engine step with {@link #inTransaction}; each method
 * called outside it is a transaction of its own.
 *
 * <p>One process at a time: {@link #open} takes an exclusive lock on {@code <file>.lock} (holding the owner's
 * process id) and fails with a {@link SyncStateException} while another sync holds it. The lock file stays
 * behind after {@link #close}; only the lock on it matters.
 *
 * <p>Not for concurrent use by several threads of one engine beyond what {@code synchronized} gives.
 */
public final class SyncState implements AutoCloseable {
    /** The schema this code writes; a file with a higher version is refused, a lower one is migrated. */
    public static final int SCHEMA_VERSION = 3;

    private static final String[] SCHEMA_V1 = {
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        """
        CREATE TABLE mailbox_pair (
          id              INTEGER PRIMARY KEY,
          channel         TEXT NOT NULL,
          mailbox_a       TEXT NOT NULL,
          mailbox_b       TEXT NOT NULL,
          uidvalidity_a   INTEGER NOT NULL DEFAULT 0,
          highestmodseq_a INTEGER NOT NULL DEFAULT 0,
          uidvalidity_b   INTEGER NOT NULL DEFAULT 0,
          highestmodseq_b INTEGER NOT NULL DEFAULT 0,
          UNIQUE (channel, mailbox_a, mailbox_b))""",
        // uid_a / uid_b are NULL on a side whose UIDVALIDITY changed, until the message is re-matched by content.
        """
        CREATE TABLE message_pair (
          mailbox_pair_id INTEGER NOT NULL REFERENCES mailbox_pair (id) ON DELETE CASCADE,
          uid_a           INTEGER,
          uid_b           INTEGER,
          flags           TEXT NOT NULL,
          message_id      TEXT,
          sha256          BLOB NOT NULL CHECK (length(sha256) = 32),
          UNIQUE (mailbox_pair_id, uid_a),
          UNIQUE (mailbox_pair_id, uid_b))""",
        "CREATE INDEX message_pair_content ON message_pair (mailbox_pair_id, sha256)",
    };

    /**
     * Version 2: the content digest of side B's copy where it differs from A's (a plaintext message encrypted for
     * B's key on the way); NULL where both sides hold the same content.
     */
    private static final String[] MIGRATE_V2 = {
        "ALTER TABLE message_pair ADD COLUMN sha256_b BLOB CHECK (sha256_b IS NULL OR length(sha256_b) = 32)",
    };

    /**
     * Version 3: copies about to be appended whose content differs from their source's (key translation), written
     * before the APPEND and removed when the copy is recorded. A copy whose record a crash lost cannot be found by
     * its source's content key; this is its own.
     */
    private static final String[] MIGRATE_V3 = {
        """
        CREATE TABLE pending_copy (
          mailbox_pair_id INTEGER NOT NULL REFERENCES mailbox_pair (id) ON DELETE CASCADE,
          to_side         TEXT NOT NULL CHECK (to_side IN ('a', 'b')),
          source_uid      INTEGER NOT NULL,
          flags           TEXT NOT NULL,
          message_id      TEXT,
          sha256_source   BLOB NOT NULL CHECK (length(sha256_source) = 32),
          sha256_copy     BLOB NOT NULL CHECK (length(sha256_copy) = 32))""",
    };

    /** UIDs named in one query of a partial read (SQLite allows 999 parameters by default). */
    private static final int UIDS_PER_QUERY = 500;

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Connection db;
    private int depth;
    private boolean rollbackOnly;
    private boolean closed;
    /**
     * Bumped by every write that changed a row and by every rollback: the last {@link #read} is returned again
     * while it is unchanged. An incremental run reads the state several times between its steps, and reading
     * 10,000 messages costs about 25 ms, more than the whole rest of a run that has little to do.
     */
    private long version;
    private MailboxState lastRead;
    private long lastReadVersion = -1;

    private SyncState(Path file, FileChannel lockChannel, FileLock lock, Connection db) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.db = db;
    }

    /**
     * Opens (creating if absent) the state file, takes its lock and brings its schema to {@link #SCHEMA_VERSION}.
     * A new state file and its lock file are readable by their owner only (they name the user's messages by
     * Message-ID); SQLite gives its journal files the state file's permissions.
     *
     * @throws SyncStateException when another sync holds the file, it was written by a newer mailseal, or it is
     *                            not a sync state
     */
    public static SyncState open(Path file) {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel;
        try {
            createPrivate(file);
            createPrivate(lockFile);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new SyncStateException("cannot create the lock file " + lockFile + ": " + e.getMessage(), e);
        }
        FileLock lock = null;
        Connection db = null;
        try {
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                throw new SyncStateException("sync state " + file + " is in use by another sync" + holder(channel)
                        + "; wait for it to finish (lock file " + lockFile + ")");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);

            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            SyncState state = new SyncState(file, channel, lock, db);
            state.configure();
            return state;
        } catch (IOException | SQLException | RuntimeException e) {
            closeQuietly(db);
            try {
                if (lock != null) {
                    lock.release();
                }
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof SyncStateException s) {
                throw s;
            }
            throw new SyncStateException("cannot open sync state " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates an empty file readable and writable by its owner only, unless it exists. */
    private static void createPrivate(Path file) throws IOException {
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // another process created it first: it is that one's to set
        }
    }

    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        channel.read(buf, 0);
        String pid = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
        return pid.matches("[0-9]{1,19}") ? " (process " + pid + ")" : "";
    }

    private void configure() throws SQLException {
        try (Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
                if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
                    throw new SyncStateException("sync state " + file + ": the file system does not allow a WAL journal");
                }
            }
            st.execute("PRAGMA synchronous=FULL");
            st.execute("PRAGMA foreign_keys=ON");
            // Fails here, with SQLite's "file is not a database", for a file that is not SQLite at all.
            int version = 0;
            try (ResultSet rs = st.executeQuery(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")) {
                rs.next();
                if (rs.getInt(1) == 1) {
                    try (ResultSet v = st.executeQuery("SELECT max(version) FROM schema_version")) {
                        version = v.next() ? v.getInt(1) : 0;
                    }
                    if (version == 0) {
                        throw new SyncStateException("sync state " + file + " has an empty schema_version table");
                    }
                }
            }
            if (version > SCHEMA_VERSION) {
                throw new SyncStateException("sync state " + file + " has schema version " + version
                        + ", written by a newer mailseal; this one reads up to version " + SCHEMA_VERSION
                        + ". Run the newer mailseal, or move the file aside to start over (a full comparison run)");
            }
            if (version == 0) {
                inTransaction(() -> {
                    for (String ddl : SCHEMA_V1) {
                        update(ddl);
                    }
                    update("INSERT INTO schema_version (version) VALUES (1)");
                });
                version = 1;
            }
            // Migrations from version n to n + 1, each in a transaction with its version bump.
            if (version == 1) {
                inTransaction(() -> {
                    for (String ddl : MIGRATE_V2) {
                        update(ddl);
                    }
                    update("UPDATE schema_version SET version = 2");
                });
                version = 2;
            }
            if (version == 2) {
                inTransaction(() -> {
                    for (String ddl : MIGRATE_V3) {
                        update(ddl);
                    }
                    update("UPDATE schema_version SET version = 3");
                });
            }
        }
    }

    /** The state of one mailbox pair; both sides {@link SideState#UNKNOWN} and no messages if never recorded. */
    public synchronized MailboxState read(MailboxPair pair) {
        requireOpen();
        if (lastRead != null && lastReadVersion == version && lastRead.pair().equals(pair)) {
            return lastRead;
        }
        MailboxState state = readFromFile(pair);
        lastRead = state;
        lastReadVersion = version;
        return state;
    }

    private MailboxState readFromFile(MailboxPair pair) {
        SideState a = SideState.UNKNOWN;
        SideState b = SideState.UNKNOWN;
        List<MessagePair> messages = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT id, uidvalidity_a, highestmodseq_a, uidvalidity_b,"
                + " highestmodseq_b FROM mailbox_pair WHERE channel = ? AND mailbox_a = ? AND mailbox_b = ?")) {
            bind(st, pair.channel(), pair.mailboxA(), pair.mailboxB());
            long id;
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return new MailboxState(pair, a, b, messages);
                }
                id = rs.getLong(1);
                a = new SideState(rs.getLong(2), rs.getLong(3));
                b = new SideState(rs.getLong(4), rs.getLong(5));
            }
            try (PreparedStatement m = db.prepareStatement("SELECT uid_a, uid_b, flags, message_id, sha256, sha256_b"
                    + " FROM message_pair WHERE mailbox_pair_id = ? ORDER BY uid_a, uid_b, rowid")) {
                m.setLong(1, id);
                try (ResultSet rs = m.executeQuery()) {
                    while (rs.next()) {
                        messages.add(new MessagePair(rs.getLong(1), rs.getLong(2),
                                MessagePair.decodeFlags(rs.getString(3)),
                                ContentKey.of(rs.getString(4), rs.getBytes(5)),
                                rs.getBytes(6) == null ? null : ContentKey.of(rs.getString(4), rs.getBytes(6))));
                    }
                }
            }
            return new MailboxState(pair, a, b, messages);
        } catch (SQLException e) {
            throw failure("read " + pair, e);
        }
    }

    /**
     * The state of one mailbox pair with only the messages whose UID on A is in {@code uidsA} or whose UID on B is
     * in {@code uidsB} (both empty: the sides alone): what an incremental run needs, which touches only messages its
     * stores reported as changed or vanished, without reading the whole map.
     */
    public synchronized MailboxState read(MailboxPair pair, Collection<Long> uidsA, Collection<Long> uidsB) {
        requireOpen();
        MailboxState header;
        long id;
        try (PreparedStatement st = db.prepareStatement("SELECT id, uidvalidity_a, highestmodseq_a, uidvalidity_b,"
                + " highestmodseq_b FROM mailbox_pair WHERE channel = ? AND mailbox_a = ? AND mailbox_b = ?")) {
            bind(st, pair.channel(), pair.mailboxA(), pair.mailboxB());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return new MailboxState(pair, SideState.UNKNOWN, SideState.UNKNOWN, List.of());
                }
                id = rs.getLong(1);
                header = new MailboxState(pair, new SideState(rs.getLong(2), rs.getLong(3)),
                        new SideState(rs.getLong(4), rs.getLong(5)), List.of());
            }
            // By rowid, so a message named on both sides is read once; ordered as the full read orders them.
            Map<Long, MessagePair> byRow = new TreeMap<>();
            readByUid(id, Side.A, uidsA, byRow);
            readByUid(id, Side.B, uidsB, byRow);
            List<MessagePair> messages = new ArrayList<>(byRow.values());
            messages.sort(Comparator.comparingLong(MessagePair::uidA).thenComparingLong(MessagePair::uidB));
            return new MailboxState(pair, header.sideA(), header.sideB(), messages);
        } catch (SQLException e) {
            throw failure("read " + pair, e);
        }
    }

    private void readByUid(long pairId, Side side, Collection<Long> uids, Map<Long, MessagePair> byRow)
            throws SQLException {
        List<Long> sorted = new ArrayList<>(new TreeSet<>(uids));
        for (int from = 0; from < sorted.size(); from += UIDS_PER_QUERY) {
            List<Long> chunk = sorted.subList(from, Math.min(sorted.size(), from + UIDS_PER_QUERY));
            String marks = String.join(", ", Collections.nCopies(chunk.size(), "?"));
            try (PreparedStatement st = db.prepareStatement("SELECT rowid, uid_a, uid_b, flags, message_id, sha256,"
                    + " sha256_b FROM message_pair WHERE mailbox_pair_id = ? AND uid_" + col(side) + " IN (" + marks
                    + ")")) {
                st.setLong(1, pairId);
                for (int i = 0; i < chunk.size(); i++) {
                    st.setLong(i + 2, chunk.get(i));
                }
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        byRow.put(rs.getLong(1), new MessagePair(rs.getLong(2), rs.getLong(3),
                                MessagePair.decodeFlags(rs.getString(4)), ContentKey.of(rs.getString(5), rs.getBytes(6)),
                                rs.getBytes(7) == null ? null : ContentKey.of(rs.getString(5), rs.getBytes(7))));
                    }
                }
            }
        }
    }

    /** How many messages of the pair wait to be re-matched on either side after a UIDVALIDITY change. */
    public synchronized int unmatched(MailboxPair pair) {
        requireOpen();
        return queryInt("SELECT count(*) FROM message_pair m JOIN mailbox_pair p ON p.id = m.mailbox_pair_id"
                + " WHERE p.channel = ? AND p.mailbox_a = ? AND p.mailbox_b = ? AND (m.uid_a IS NULL OR m.uid_b IS NULL)",
                pair.channel(), pair.mailboxA(), pair.mailboxB());
    }

    /**
     * How many messages of the pair wait for a re-match on that side: left by a reset whose run ended before it
     * re-matched them, they are re-matched by the next run.
     */
    public synchronized int unmatched(MailboxPair pair, Side side) {
        requireOpen();
        return queryInt("SELECT count(*) FROM message_pair m JOIN mailbox_pair p ON p.id = m.mailbox_pair_id"
                + " WHERE p.channel = ? AND p.mailbox_a = ? AND p.mailbox_b = ? AND m.uid_" + col(side) + " IS NULL",
                pair.channel(), pair.mailboxA(), pair.mailboxB());
    }

    /** The mailbox pairs recorded for a channel, to notice a mailbox that disappeared on one side. */
    public synchronized List<MailboxPair> mailboxPairs(String channel) {
        requireOpen();
        List<MailboxPair> pairs = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement(
                "SELECT mailbox_a, mailbox_b FROM mailbox_pair WHERE channel = ? ORDER BY mailbox_a, mailbox_b")) {
            st.setString(1, channel);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    pairs.add(new MailboxPair(channel, rs.getString(1), rs.getString(2)));
                }
            }
            return pairs;
        } catch (SQLException e) {
            throw failure("list the mailbox pairs of channel " + channel, e);
        }
    }

    /**
     * Records what one side's mailbox said after a step (its UIDVALIDITY and HIGHESTMODSEQ). To change the
     * UIDVALIDITY of a side that has messages, use {@link #resetUidValidity}: a new UIDVALIDITY invalidates its UIDs.
     */
    public void recordSide(MailboxPair pair, Side side, SideState state) {
        inTransaction(() -> {
            long id = pairId(pair);
            long current = queryLong("SELECT uidvalidity_" + col(side) + " FROM mailbox_pair WHERE id = ?", id);
            if (current != 0 && current != state.uidValidity() && count(id, side) > 0) {
                throw new SyncStateException(pair + ": UIDVALIDITY of side " + side + " changed from " + current
                        + " to " + state.uidValidity() + "; reset it with resetUidValidity, which keeps the content keys");
            }
            update("UPDATE mailbox_pair SET uidvalidity_" + col(side) + " = ?, highestmodseq_" + col(side)
                    + " = ? WHERE id = ?", state.uidValidity(), state.highestModSeq(), id);
        });
    }

    /** Records a message now present on both sides (after a copy, or a match) with the flags both sides hold. */
    public void recordPair(MailboxPair pair, MessagePair message) {
        if (!message.matched(Side.A) || !message.matched(Side.B)) {
            throw new IllegalArgumentException("a new message pair needs its UID on both sides: " + message);
        }
        byte[] digestB = message.content(Side.B).equals(message.content()) ? null : message.content(Side.B).digest();
        inTransaction(() -> update("INSERT INTO message_pair (mailbox_pair_id, uid_a, uid_b, flags, message_id, sha256,"
                        + " sha256_b) VALUES (?, ?, ?, ?, ?, ?, ?)", pairId(pair), message.uidA(), message.uidB(),
                MessagePair.encodeFlags(message.flags()), message.content().messageId(), message.content().digest(),
                digestB));
    }

    /** Sets the last synchronised flags of the message with that UID on that side. */
    public void updateFlags(MailboxPair pair, Side side, long uid, Set<String> flags) {
        String encoded = MessagePair.encodeFlags(flags);
        inTransaction(() -> requireOne(update("UPDATE message_pair SET flags = ? WHERE mailbox_pair_id = ? AND uid_"
                + col(side) + " = ?", encoded, pairId(pair), requireNonZero(uid)), pair, side, uid));
    }

    /** Forgets the message with that UID on that side, once its expunge has been propagated to the other side. */
    public void forget(MailboxPair pair, Side side, long uid) {
        inTransaction(() -> requireOne(update("DELETE FROM message_pair WHERE mailbox_pair_id = ? AND uid_"
                + col(side) + " = ?", pairId(pair), requireNonZero(uid)), pair, side, uid));
    }

    /**
     * Records a new UIDVALIDITY for one side: its UIDs and HIGHESTMODSEQ no longer mean anything, so they are
     * cleared, while the other side's UIDs, the flags and the content keys stay for {@link #rematch}. Nothing is
     * forgotten, so a reset never turns into deletions.
     *
     * @return how many messages now wait to be re-matched on that side
     */
    public int resetUidValidity(MailboxPair pair, Side side, long newUidValidity) {
        SideState fresh = new SideState(newUidValidity, 0);
        int[] unmatched = new int[1];
        inTransaction(() -> {
            long id = pairId(pair);
            update("UPDATE mailbox_pair SET uidvalidity_" + col(side) + " = ?, highestmodseq_" + col(side)
                    + " = 0 WHERE id = ?", fresh.uidValidity(), id);
            update("UPDATE message_pair SET uid_" + col(side) + " = NULL WHERE mailbox_pair_id = ?", id);
            // A pending copy from this side names its source by a UID that no longer means anything: forgotten, so
            // an unrecorded copy is at worst copied again, never paired with another message under that UID.
            update("DELETE FROM pending_copy WHERE mailbox_pair_id = ? AND to_side = ?", id, col(side.other()));
            unmatched[0] = countAll(id);
        });
        return unmatched[0];
    }

    /**
     * Gives a message that waits for re-matching on that side (see {@link #resetUidValidity}) its new UID, found
     * by its content key on that side ({@link MessagePair#content(Side)}). The message is the one with {@code otherUid} on the other side; when that side was reset
     * too (0), any waiting message with the same key takes it: those are the same bytes.
     *
     * @return false if no such message waits on that side
     */
    public boolean rematch(MailboxPair pair, Side side, long otherUid, ContentKey content, long uid) {
        boolean[] found = new boolean[1];
        String other = col(side.other());
        inTransaction(() -> found[0] = update("UPDATE message_pair SET uid_" + col(side) + " = ? WHERE rowid = ("
                        + "SELECT rowid FROM message_pair WHERE mailbox_pair_id = ? AND uid_" + col(side) + " IS NULL"
                        + " AND " + (side == Side.A ? "sha256" : "coalesce(sha256_b, sha256)") + " = ?"
                        + " AND message_id IS ? AND (? = 0 OR uid_" + other + " = ?)"
                        + " ORDER BY rowid LIMIT 1)", requireNonZero(uid), pairId(pair), content.digest(),
                content.messageId(), otherUid, otherUid) == 1);
        return found[0];
    }

    /** Records copies about to be appended whose content differs from their source's (see {@link PendingCopy}). */
    public void recordPendingCopies(MailboxPair pair, List<PendingCopy> copies) {
        inTransaction(() -> {
            long id = pairId(pair);
            for (PendingCopy c : copies) {
                update("INSERT INTO pending_copy (mailbox_pair_id, to_side, source_uid, flags, message_id,"
                                + " sha256_source, sha256_copy) VALUES (?, ?, ?, ?, ?, ?, ?)", id, col(c.to()),
                        requireNonZero(c.sourceUid()), MessagePair.encodeFlags(c.flags()), c.source().messageId(),
                        c.source().digest(), c.copy().digest());
            }
        });
    }

    /** The copies recorded as pending for the pair: appended or not, their records never written. */
    public synchronized List<PendingCopy> pendingCopies(MailboxPair pair) {
        requireOpen();
        List<PendingCopy> copies = new ArrayList<>();
        try (PreparedStatement st = db.prepareStatement("SELECT p.to_side, p.source_uid, p.flags, p.message_id,"
                + " p.sha256_source, p.sha256_copy FROM pending_copy p JOIN mailbox_pair m ON m.id = p.mailbox_pair_id"
                + " WHERE m.channel = ? AND m.mailbox_a = ? AND m.mailbox_b = ? ORDER BY p.rowid")) {
            bind(st, pair.channel(), pair.mailboxA(), pair.mailboxB());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    copies.add(new PendingCopy("a".equals(rs.getString(1)) ? Side.A : Side.B, rs.getLong(2),
                            MessagePair.decodeFlags(rs.getString(3)), ContentKey.of(rs.getString(4), rs.getBytes(5)),
                            ContentKey.of(rs.getString(4), rs.getBytes(6))));
                }
            }
            return copies;
        } catch (SQLException e) {
            throw failure("read the pending copies of " + pair, e);
        }
    }

    /** Forgets the pending copies of the pair: recorded, or found not to have been appended. */
    public void clearPendingCopies(MailboxPair pair) {
        inTransaction(() -> update("DELETE FROM pending_copy WHERE mailbox_pair_id = ?", pairId(pair)));
    }

    /** Forgets a mailbox pair and every message recorded for it, once one of its mailboxes was deleted. */
    public void forget(MailboxPair pair) {
        inTransaction(() -> update("DELETE FROM mailbox_pair WHERE channel = ? AND mailbox_a = ? AND mailbox_b = ?",
                pair.channel(), pair.mailboxA(), pair.mailboxB()));
    }

    /**
     * Forgets the messages still waiting for a re-match on that side after {@link #resetUidValidity}: the reset
     * side lost them, and the other side's copies become new messages to copy back.
     *
     * @return how many were forgotten
     */
    public int forgetUnmatched(MailboxPair pair, Side side) {
        int[] forgotten = new int[1];
        inTransaction(() -> forgotten[0] = update("DELETE FROM message_pair WHERE mailbox_pair_id = ? AND uid_"
                + col(side) + " IS NULL", pairId(pair)));
        return forgotten[0];
    }

    /**
     * Runs the changes of one engine step as one transaction: all of them are committed, or, if {@code step}
     * throws, none. A call inside another joins the outer transaction; if it throws, the outer one is rolled back
     * even if the exception was caught in between.
     */
    public synchronized void inTransaction(Runnable step) {
        requireOpen();
        if (depth > 0) {
            depth++;
            try {
                step.run();
            } catch (RuntimeException | Error e) {
                rollbackOnly = true;
                throw e;
            } finally {
                depth--;
            }
            return;
        }
        boolean committed = false;
        try {
            db.setAutoCommit(false);
            depth = 1;
            rollbackOnly = false;
            step.run();
            if (rollbackOnly) {
                throw new SyncStateException("a nested step failed, so the whole transaction on " + file
                        + " was rolled back");
            }
            db.commit();
            committed = true;
        } catch (SQLException e) {
            throw failure("commit", e);
        } finally {
            depth = 0;
            if (!committed) {
                version++; // what was read inside the transaction is gone with it
                try {
                    db.rollback();
                } catch (SQLException ignored) {
                    // the connection is unusable; closing it discards the transaction anyway
                }
            }
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // as above
            }
        }
    }

    /** Closes the database and releases the lock. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(db);
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            throw new SyncStateException("cannot release the lock on " + file + ": " + e.getMessage(), e);
        }
    }

    private long pairId(MailboxPair pair) {
        update("INSERT OR IGNORE INTO mailbox_pair (channel, mailbox_a, mailbox_b) VALUES (?, ?, ?)",
                pair.channel(), pair.mailboxA(), pair.mailboxB());
        try (PreparedStatement st = db.prepareStatement(
                "SELECT id FROM mailbox_pair WHERE channel = ? AND mailbox_a = ? AND mailbox_b = ?")) {
            bind(st, pair.channel(), pair.mailboxA(), pair.mailboxB());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("find " + pair, e);
        }
    }

    /** Messages of the pair whose UID on that side is known. */
    private int count(long pairId, Side side) {
        return queryInt("SELECT count(*) FROM message_pair WHERE mailbox_pair_id = ? AND uid_" + col(side)
                + " IS NOT NULL", pairId);
    }

    private int countAll(long pairId) {
        return queryInt("SELECT count(*) FROM message_pair WHERE mailbox_pair_id = ?", pairId);
    }

    private int queryInt(String sql, Object... args) {
        return Math.toIntExact(queryLong(sql, args));
    }

    private long queryLong(String sql, Object... args) {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            bind(st, args);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("query", e);
        }
    }

    private int update(String sql, Object... args) {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            bind(st, args);
            int rows = st.executeUpdate();
            if (rows > 0) {
                version++;
            }
            return rows;
        } catch (SQLException e) {
            version++; // a statement that failed may have changed rows before it did
            throw failure("write", e);
        }
    }

    private static void bind(PreparedStatement st, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            st.setObject(i + 1, args[i]);
        }
    }

    private static void requireOne(int rows, MailboxPair pair, Side side, long uid) {
        if (rows != 1) {
            throw new SyncStateException(pair + ": no message with UID " + uid + " on side " + side);
        }
    }

    private static long requireNonZero(long uid) {
        MessagePair.requireUid(uid);
        if (uid == 0) {
            throw new IllegalArgumentException("UID 0 is not a UID");
        }
        return uid;
    }

    /** The column suffix of a side; only ever "a" or "b", so it is safe to build SQL with. */
    private static String col(Side side) {
        return side == Side.A ? "a" : "b";
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("sync state " + file + " is closed");
        }
    }

    private SyncStateException failure(String what, SQLException e) {
        return new SyncStateException("sync state " + file + ": cannot " + what + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // nothing more to release
            }
        }
    }
}
