package org.mailseal.imap.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mailseal.imap.client.StoredMessage;

/**
 * A local Maildir as one side of a sync channel (issue 7), in the layout other tools read: Maildir++ folders
 * (INBOX is the root's {@code cur/new/tmp}, folder {@code A.B} the directory {@code .A.B}, delimiter '.'), UIDs as
 * mbsync keeps them (a per-folder {@code .uidvalidity} file and {@code ,U=<uid>} in each file name), flags in the
 * info part ({@code :2,DFRST}, {@code P} kept untouched), keywords as Dovecot keeps them (letters {@code a-z} named
 * by the folder's {@code dovecot-keywords}), INTERNALDATE as the file's modification time, RFC822.SIZE as its
 * length. Appended bytes are stored as given, CRLF and all; a file others wrote with bare LF only (Dovecot, local
 * delivery) is fetched with CRLF, as an IMAP server would serve it, so its scan size is then a little below the
 * fetched one.
 *
 * <p>Safety: every path is a folder name checked to stay one directory below the root, or a file name read from a
 * directory listing; dotfiles, symbolic links and other non-regular files are ignored; files above the size limit
 * are refused with an IOException when read or written. Files are created 0600, directories 0700. The store only
 * stores bytes: copies for a Maildir that names a key are encrypted by the engine before they get here.
 *
 * <p>Not incremental (no mod-sequences): every run scans the selected folder. Other programs may deliver, read,
 * flag and delete mail meanwhile, but only one program may assign UIDs: this store takes no lock on
 * {@code .uidvalidity} (mbsync's fcntl lock would not see its atomic replacement anyway), so two syncs with
 * different state files, or mailseal and mbsync, must not write one Maildir at the same time.
 */
public final class MaildirSyncStore implements SyncStore {
    public static final long DEFAULT_MAX_MESSAGE_BYTES = 64L << 20;
    static final int MAX_MESSAGES = 1_000_000;
    static final int HEADER_BYTES = 64 * 1024;
    /** RFC 3501 date-time (the day may come as " 7" or "07"); month names in any case, as the ABNF allows. */
    private static final DateTimeFormatter INTERNAL_DATE = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("dd-MMM-uuuu HH:mm:ss xx").toFormatter(Locale.ENGLISH).withResolverStyle(ResolverStyle.STRICT);
    private static final AtomicLong DELIVERIES = new AtomicLong();

    private final MaildirLayout layout;
    private final long maxMessageBytes;
    private final Clock clock;
    private final String host;
    private MaildirFolder selected;

    private MaildirSyncStore(MaildirLayout layout, long maxMessageBytes, Clock clock) {
        this.layout = layout;
        this.maxMessageBytes = maxMessageBytes;
        this.clock = clock;
        this.host = hostForNames();
    }

    /** Opens (creating the root with INBOX's cur/new/tmp if absent) with the default limit of 64 MiB a message. */
    public static MaildirSyncStore open(Path root) throws IOException {
        return open(root, DEFAULT_MAX_MESSAGE_BYTES, Clock.systemDefaultZone());
    }

    /**
     * @param maxMessageBytes the largest message file read or written; larger ones are an IOException
     * @param clock           new UIDVALIDITY values and the zone INTERNALDATE is reported in
     */
    public static MaildirSyncStore open(Path root, long maxMessageBytes, Clock clock) throws IOException {
        if (maxMessageBytes < 1 || maxMessageBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the message size limit must be 1 to 2 GiB, got " + maxMessageBytes);
        }
        Path absolute = root.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            Files.createDirectories(absolute.getParent());
            MaildirFiles.createPrivateDirectory(absolute);
        }
        MaildirLayout.createSubdirs(absolute);
        return new MaildirSyncStore(new MaildirLayout(absolute.toRealPath()), maxMessageBytes, clock);
    }

    // ---------------------------------------------------------------- folders

    @Override
    public List<String> list(List<String> patterns) throws IOException {
        return layout.list(patterns);
    }

    @Override
    public char delimiter() {
        return MaildirLayout.DELIMITER;
    }

    @Override
    public void create(String mailbox) throws IOException {
        layout.create(mailbox);
    }

    @Override
    public void delete(String mailbox) throws IOException {
        selected = null;
        layout.delete(mailbox);
    }

    @Override
    public SyncMailbox select(String mailbox) throws IOException {
        MaildirFolder folder = open(mailbox);
        selected = folder;
        return new SyncMailbox(folder.name(), folder.uids().validity(), folder.uids().lastUid() + 1,
                folder.files().size(), 0);
    }

    private MaildirFolder open(String mailbox) throws IOException {
        MaildirFolder folder = new MaildirFolder(MaildirLayout.canonical(mailbox), layout.existingFolderDir(mailbox),
                MAX_MESSAGES, clock);
        folder.refresh();
        return folder;
    }

    // ---------------------------------------------------------------- reading

    @Override
    public boolean incremental() {
        return false;
    }

    @Override
    public SortedMap<Long, MessageInfo> scan() throws IOException {
        MaildirFolder folder = requireSelected();
        folder.refresh();
        return infos(folder, folder.files().keySet());
    }

    @Override
    public SortedMap<Long, MessageInfo> info(Collection<Long> uids) throws IOException {
        MaildirFolder folder = requireSelected();
        folder.refresh();
        return infos(folder, uids);
    }

    private static SortedMap<Long, MessageInfo> infos(MaildirFolder folder, Collection<Long> uids) throws IOException {
        SortedMap<Long, MessageInfo> infos = new TreeMap<>();
        for (long uid : uids) {
            String name = folder.files().get(uid);
            if (name == null) {
                continue;
            }
            try {
                BasicFileAttributes attrs = Files.readAttributes(folder.cur().resolve(name), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                infos.put(uid, new MessageInfo(uid, MaildirFlags.of(name, folder.keywords()), attrs.size()));
            } catch (NoSuchFileException gone) {
                // removed or renamed by another program since the listing: the next run sees it as it is then
            }
        }
        return infos;
    }

    /** Not available: a Maildir has no mod-sequences ({@link #incremental()} is false). */
    @Override
    public StoreChanges changedSince(long modSeq) {
        throw new UnsupportedOperationException("a Maildir store has no mod-sequences; use scan()");
    }

    @Override
    public Map<Long, String> messageIds(Collection<Long> uids) throws IOException {
        MaildirFolder folder = requireSelected();
        Map<Long, String> ids = new LinkedHashMap<>();
        for (long uid : uids) {
            Optional<Path> file = folder.locate(uid);
            if (file.isEmpty()) {
                continue;
            }
            byte[] head = MaildirFiles.readPrefix(file.get(), HEADER_BYTES);
            String id = head == null ? null : MailboxSync.messageId(head);
            if (id != null) {
                ids.put(uid, id);
            }
        }
        return ids;
    }

    @Override
    public List<StoredMessage> fetch(Collection<Long> uids) throws IOException {
        MaildirFolder folder = requireSelected();
        List<StoredMessage> messages = new ArrayList<>();
        for (long uid : uids) {
            Optional<Path> file = folder.locate(uid);
            if (file.isEmpty()) {
                continue;
            }
            try {
                BasicFileAttributes attrs = Files.readAttributes(file.get(), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                requireSize(attrs.size(), "Maildir message " + file.get());
                byte[] content;
                try (InputStream in = Files.newInputStream(file.get(), LinkOption.NOFOLLOW_LINKS)) {
                    content = in.readNBytes((int) maxMessageBytes + 1);
                }
                requireSize(content.length, "Maildir message " + file.get());
                content = withCrlf(content);
                String name = file.get().getFileName().toString();
                messages.add(new StoredMessage(uid, List.copyOf(new TreeSet<>(MaildirFlags.of(name, folder.keywords()))),
                        formatDate(attrs.lastModifiedTime()), content.length, content));
            } catch (NoSuchFileException gone) {
                // expunged by another program meanwhile: left out, as the interface allows
            }
        }
        return messages;
    }

    /**
     * The message with CRLF line ends, as IMAP carries it, when the file has none at all: Dovecot and local
     * deliverers (procmail, Postfix's local) keep Maildir files with bare LF, and an IMAP server would refuse or
     * rewrite them. A file with any CR is returned byte for byte (what this store appends always has CRLF).
     */
    static byte[] withCrlf(byte[] content) {
        int lf = 0;
        for (byte c : content) {
            if (c == '\r') {
                return content;
            }
            if (c == '\n') {
                lf++;
            }
        }
        if (lf == 0) {
            return content;
        }
        byte[] crlf = new byte[content.length + lf];
        int j = 0;
        for (byte c : content) {
            if (c == '\n') {
                crlf[j++] = '\r';
            }
            crlf[j++] = c;
        }
        return crlf;
    }

    private void requireSize(long size, String what) throws IOException {
        if (size > maxMessageBytes) {
            throw new IOException(what + " has " + size + " bytes, more than the limit of "
                    + maxMessageBytes);
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public List<Long> append(String mailbox, long uidValidity, List<StoredMessage> messages) throws IOException {
        MaildirFolder folder = selected != null && selected.name().equals(MaildirLayout.canonical(mailbox))
                ? selected : open(mailbox);
        if (folder.uids().validity() != uidValidity) {
            throw new IOException("Maildir folder " + folder.name() + " has UIDVALIDITY " + folder.uids().validity()
                    + ", not " + uidValidity);
        }
        if (messages.isEmpty()) {
            return List.of();
        }
        List<Path> written = new ArrayList<>();
        List<String> uniques = new ArrayList<>();
        List<Set<Character>> infos = new ArrayList<>();
        try {
            for (StoredMessage m : messages) {
                requireSize(m.content().length, "message " + (written.size() + 1) + " to append");
                FileTime date = parseDate(m.internalDate());
                infos.add(MaildirFlags.letters(m.flags(), folder.keywords(), true));
                String unique = uniqueName();
                Path tmp = folder.tmp().resolve(unique);
                MaildirFiles.writeNewFile(tmp, m.content(), date);
                written.add(tmp);
                uniques.add(unique);
            }
            long uid = folder.reserve(messages.size());
            List<Long> uids = new ArrayList<>();
            for (int i = 0; i < written.size(); i++, uid++) {
                String fileName = MaildirFileName.of(uniques.get(i), uid, infos.get(i)).format();
                MaildirFolder.renameNoClobber(written.get(i), folder.cur().resolve(fileName));
                folder.files().put(uid, fileName);
                uids.add(uid);
            }
            MaildirFiles.syncDirectory(folder.cur());
            return uids;
        } finally {
            for (Path tmp : written) {
                Files.deleteIfExists(tmp); // those not moved: a failed append leaves nothing behind
            }
        }
    }

    @Override
    public void store(Collection<Long> uids, Set<String> add, Set<String> remove) throws IOException {
        MaildirFolder folder = requireSelected();
        Set<Character> adding = MaildirFlags.letters(add, folder.keywords(), true);
        Set<Character> removing = MaildirFlags.letters(remove, folder.keywords(), false);
        boolean renamed = false;
        for (long uid : uids) {
            for (int attempt = 0; attempt < 2; attempt++) {
                Optional<Path> file = folder.locate(uid);
                if (file.isEmpty()) {
                    break; // gone: ignored
                }
                MaildirFileName name = MaildirFileName.parse(file.get().getFileName().toString());
                Set<Character> letters = name.infoLetters();
                letters.removeAll(removing);
                letters.addAll(adding);
                String newName = name.withInfo(letters).format();
                if (newName.equals(name.format())) {
                    break;
                }
                try {
                    MaildirFolder.renameNoClobber(file.get(), folder.cur().resolve(newName));
                    folder.files().put(uid, newName);
                    renamed = true;
                    break;
                } catch (NoSuchFileException raced) {
                    folder.files().remove(uid); // renamed by another program just now: find it again
                }
            }
        }
        if (renamed) {
            MaildirFiles.syncDirectory(folder.cur());
        }
    }

    @Override
    public void expunge(Collection<Long> uids) throws IOException {
        MaildirFolder folder = requireSelected();
        for (long uid : uids) {
            for (int attempt = 0; attempt < 2; attempt++) {
                Optional<Path> file = folder.locate(uid);
                if (file.isEmpty()) {
                    break;
                }
                if (Files.deleteIfExists(file.get())) {
                    folder.files().remove(uid);
                    break;
                }
                folder.files().remove(uid); // renamed by another program just now: find it again
            }
        }
        MaildirFiles.syncDirectory(folder.cur());
    }

    /** INTERNALDATE as RFC 3501 writes it, in the clock's zone. */
    private String formatDate(FileTime time) {
        return INTERNAL_DATE.format(ZonedDateTime.ofInstant(time.toInstant(), clock.getZone()));
    }

    /** The modification time for an INTERNALDATE; none given means now. */
    private FileTime parseDate(String internalDate) throws IOException {
        if (internalDate == null || internalDate.isEmpty()) {
            return FileTime.from(clock.instant());
        }
        String fixed = internalDate.length() > 1 && internalDate.charAt(0) == ' ' ? "0" + internalDate.substring(1)
                : internalDate; // date-day-fixed: " 7-Jul-2024 ..."
        try {
            return FileTime.from(ZonedDateTime.parse(fixed, INTERNAL_DATE).toInstant());
        } catch (DateTimeParseException e) {
            throw new IOException("'" + MaildirLayout.printable(internalDate) + "' is not an IMAP date-time"
                    + " (dd-MMM-yyyy HH:mm:ss +hhmm)");
        }
    }

    // ---------------------------------------------------------------- the rest

    @Override
    public boolean idle(Duration timeout) throws IOException {
        MaildirFolder folder = requireSelected();
        try (WatchService watcher = folder.dir().getFileSystem().newWatchService()) {
            for (Path dir : List.of(folder.newDir(), folder.cur())) {
                dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
            }
            // A change between the last read and the watch's start would otherwise wait for the next change.
            if (folder.changedOnDisk()) {
                return true;
            }
            return watcher.poll(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS) != null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for changes in " + folder.name());
        }
    }

    @Override
    public void close() {
        selected = null;
    }

    private MaildirFolder requireSelected() {
        if (selected == null) {
            throw new IllegalStateException("no Maildir folder selected");
        }
        return selected;
    }

    /** A new file's unique name as Maildir asks: time.pid_counter.host (cr.yp.to/proto/maildir.html). */
    private String uniqueName() {
        return clock.instant().getEpochSecond() + "." + ProcessHandle.current().pid() + "_"
                + DELIVERIES.incrementAndGet() + "." + host;
    }

    /** The host name for unique names, with '/' ':' and ',' escaped as Maildir asks (',' would look like a field). */
    private static String hostForNames() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                byte[] b = MaildirFiles.readPrefix(Path.of("/proc/sys/kernel/hostname"), 256);
                name = b == null ? null : new String(b, StandardCharsets.US_ASCII).strip();
            } catch (IOException | RuntimeException e) {
                name = null;
            }
        }
        if (name == null || name.isBlank()) {
            name = "localhost";
        }
        return name.replaceAll("[^\\x21-\\x7e]", "_").replace("/", "\\057").replace(":", "\\072")
                .replace(",", "\\054");
    }
}
