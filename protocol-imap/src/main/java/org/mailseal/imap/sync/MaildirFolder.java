package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One Maildir folder (its {@code cur/}, {@code new/} and {@code tmp/}) with the UIDs of its messages.
 *
 * <p>{@link #refresh} reads the folder and numbers what has no valid UID: messages others delivered (in
 * {@code new/}, or in {@code cur/} without {@code ,U=}), copies of a file (a UID seen twice keeps its first file,
 * in name order) and files with a UID never assigned under this UIDVALIDITY (moved in from another folder). A
 * missing or corrupt {@code .uidvalidity} means a new UIDVALIDITY and every message numbered afresh: the engine
 * then re-matches them by content, and a UID is never reused under one UIDVALIDITY, so it never confuses two
 * messages. The new last UID is written (crash-safely) before any file takes a UID, so a crash in between wastes
 * UIDs and never hands one out twice. Files in {@code new/} move to {@code cur/} with an empty info part, as an
 * IMAP server does when it reports them.
 */
final class MaildirFolder {
    private final String name;
    private final Path dir;
    private final int maxMessages;
    private final Clock clock;
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> NUMBERING =
            new java.util.concurrent.ConcurrentHashMap<>();

    private MaildirUidValidity uids;
    private MaildirKeywords keywords;
    /** The selected view: UID to file name in cur/. */
    private final TreeMap<Long, String> files = new TreeMap<>();

    MaildirFolder(String name, Path dir, int maxMessages, Clock clock) {
        this.name = name;
        this.dir = dir;
        this.maxMessages = maxMessages;
        this.clock = clock;
    }

    String name() {
        return name;
    }

    Path dir() {
        return dir;
    }

    Path cur() {
        return dir.resolve("cur");
    }

    Path newDir() {
        return dir.resolve("new");
    }

    Path tmp() {
        return dir.resolve("tmp");
    }

    MaildirUidValidity uids() {
        return uids;
    }

    MaildirKeywords keywords() {
        return keywords;
    }

    /** UID to file name in cur/, as of the last refresh and this store's own changes since. */
    TreeMap<Long, String> files() {
        return files;
    }

    /**
     * Re-reads the folder, giving UIDs to the messages without a valid one.
     *
     * @throws IOException when the UIDVALIDITY changed since an earlier refresh (somebody removed the
     *                     {@code .uidvalidity} file during the run): the engine's UIDs of this run mean nothing now
     */
    void refresh() throws IOException {
        synchronized (numbering()) {
            refreshNumbering();
        }
    }

    /**
     * The lock every store of this process takes on this folder while it gives out UIDs (a watcher and a run may
     * read one folder at once); another program's numbering is not covered, see {@link MaildirSyncStore}.
     */
    private Object numbering() {
        return NUMBERING.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new Object());
    }

    private void refreshNumbering() throws IOException {
        Optional<MaildirUidValidity> onDisk = MaildirUidValidity.read(dir);
        if (uids != null && (onDisk.isEmpty() || onDisk.get().validity() != uids.validity())) {
            throw new IOException("Maildir folder " + name + ": its .uidvalidity changed or vanished during the run"
                    + " (another program?); run the sync again");
        }
        MaildirUidValidity current = onDisk.orElseGet(() -> MaildirUidValidity.fresh(clock));
        keywords = MaildirKeywords.read(dir);

        List<Entry> entries = new ArrayList<>();
        list(cur(), false, entries);
        list(newDir(), true, entries);
        entries.sort(Comparator.comparing(Entry::name));
        files.clear();
        List<Entry> toNumber = new ArrayList<>();
        List<Entry> toMove = new ArrayList<>();
        for (Entry e : entries) {
            long uid = e.parsed.uid();
            if (uid < 1 || uid > current.lastUid() || files.containsKey(uid)) {
                toNumber.add(e);
            } else if (e.inNew) {
                files.put(uid, null); // reserved; named once moved
                toMove.add(e);
            } else {
                files.put(uid, e.name);
            }
        }
        // Keep the order the messages had (their old UIDs, when a reset renumbers), then delivery order by name.
        toNumber.sort(Comparator.comparingLong((Entry e) -> e.parsed.uid() > 0 ? e.parsed.uid() : Long.MAX_VALUE)
                .thenComparing(Entry::name));
        if (onDisk.isEmpty() || !toNumber.isEmpty()) {
            MaildirUidValidity next = current.assign(toNumber.size());
            next.write(dir);
            long uid = current.lastUid();
            for (Entry e : toNumber) {
                uid++;
                move(e, e.parsed.withUid(uid), uid);
            }
            current = next;
        }
        for (Entry e : toMove) {
            move(e, e.parsed, e.parsed.uid());
        }
        files.values().removeIf(Objects::isNull); // reserved for a move whose file vanished meanwhile
        if (!toNumber.isEmpty() || !toMove.isEmpty()) {
            MaildirFiles.syncDirectory(cur());
            MaildirFiles.syncDirectory(newDir());
        }
        uids = current;
    }

    /** Renames a listed file into cur/ under its new name; a file that vanished meanwhile is left out. */
    private void move(Entry e, MaildirFileName target, long uid) throws IOException {
        MaildirFileName named = target.info() == null ? target.withInfo(target.infoLetters()) : target;
        String newName = named.format();
        Path from = (e.inNew ? newDir() : cur()).resolve(e.name);
        if (from.equals(cur().resolve(newName))) {
            files.put(uid, newName); // renumbered to the UID it had
            return;
        }
        if (Files.exists(cur().resolve(newName), LinkOption.NOFOLLOW_LINKS)) {
            // Another file with the same unique part (a copy under another UID): give this one a name of its own.
            newName = new MaildirFileName(named.before() + ".dup" + uid, uid, named.after(), named.info()).format();
        }
        try {
            renameNoClobber(from, cur().resolve(newName));
        } catch (NoSuchFileException gone) {
            files.remove(uid);
            return;
        }
        files.put(uid, newName);
    }

    /** An atomic rename that refuses to replace a file (rename(2) itself would replace it silently). */
    static void renameNoClobber(Path from, Path to) throws IOException {
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("Maildir: " + to + " exists already; not replacing it");
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The regular, non-dot files of a directory, at most {@code maxMessages} in the folder. */
    private void list(Path sub, boolean inNew, List<Entry> into) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sub)) {
            for (Path p : ds) {
                String fileName = p.getFileName().toString();
                if (fileName.startsWith(".") || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (into.size() >= maxMessages) {
                    throw new IOException("Maildir folder " + name + " holds more than " + maxMessages
                            + " messages, more than this store reads");
                }
                into.add(new Entry(fileName, MaildirFileName.parse(fileName), inNew));
            }
        }
    }

    /** The file of a UID in cur/, re-reading the folder once if another program renamed or removed it. */
    Optional<Path> locate(long uid) throws IOException {
        String fileName = files.get(uid);
        if (fileName != null && Files.isRegularFile(cur().resolve(fileName), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(cur().resolve(fileName));
        }
        refresh();
        fileName = files.get(uid);
        return fileName == null ? Optional.empty() : Optional.of(cur().resolve(fileName));
    }

    /** Assigns {@code count} UIDs (written crash-safely before use) and returns the first. */
    long reserve(int count) throws IOException {
        synchronized (numbering()) {
            // From what is on disk now: another store of this process may have given out UIDs since this one read.
            MaildirUidValidity onDisk = MaildirUidValidity.read(dir).orElse(null);
            if (onDisk == null || onDisk.validity() != uids.validity()) {
                throw new IOException("Maildir folder " + name + ": its .uidvalidity changed or vanished during the"
                        + " run (another program?); run the sync again");
            }
            MaildirUidValidity base = onDisk.lastUid() > uids.lastUid() ? onDisk : uids;
            MaildirUidValidity next = base.assign(count);
            next.write(dir);
            uids = next;
            return base.lastUid() + 1;
        }
    }

    /** Whether the folder on disk differs from what this store last saw: anything in new/, or other names in cur/. */
    boolean changedOnDisk() throws IOException {
        List<Entry> entries = new ArrayList<>();
        list(newDir(), true, entries);
        if (!entries.isEmpty()) {
            return true;
        }
        list(cur(), false, entries);
        if (entries.size() != files.size()) {
            return true;
        }
        for (Entry e : entries) {
            if (!e.name.equals(files.get(e.parsed.uid()))) {
                return true;
            }
        }
        return false;
    }

    private record Entry(String name, MaildirFileName parsed, boolean inNew) {}
}
