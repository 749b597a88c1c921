package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Where a Maildir++ folder lives below the root: INBOX is the root itself (its {@code cur/new/tmp}), folder
 * {@code A.B} is the directory {@code .A.B}, and a subfolder carries an empty {@code maildirfolder} file (Courier,
 * Dovecot). Every name is checked before it becomes a path, so nothing resolves outside the root.
 */
final class MaildirLayout {
    static final char DELIMITER = '.';
    static final String INBOX = "INBOX";
    static final int MAX_FOLDERS = 10_000;
    private static final List<String> SUBDIRS = List.of("cur", "new", "tmp");

    private final Path root;

    /** @param root the real path of the Maildir */
    MaildirLayout(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** The selectable folders whose names match any of the LIST patterns, sorted; INBOX always exists. */
    List<String> list(List<String> patterns) throws IOException {
        List<String> names = new ArrayList<>();
        names.add(INBOX);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String dirName = p.getFileName().toString();
                if (dirName.length() < 2 || dirName.charAt(0) != DELIMITER) {
                    continue;
                }
                String name = dirName.substring(1);
                if (validFolderName(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        && Files.isDirectory(p.resolve("cur"), LinkOption.NOFOLLOW_LINKS)) {
                    if (names.size() >= MAX_FOLDERS) {
                        throw new IOException("Maildir " + root + " has more than " + MAX_FOLDERS + " folders");
                    }
                    names.add(name);
                }
            }
        }
        Set<String> matching = new TreeSet<>();
        for (String name : names) {
            if (patterns.stream().anyMatch(pattern -> matches(pattern, name))) {
                matching.add(name);
            }
        }
        return new ArrayList<>(matching);
    }

    /** LIST wildcards (RFC 3501 6.3.8): {@code *} matches anything, {@code %} anything but the delimiter. */
    static boolean matches(String pattern, String name) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*' || c == '%') {
                regex.append(Pattern.quote(literal.toString())).append(c == '*' ? ".*" : "[^.]*");
                literal.setLength(0);
            } else {
                literal.append(c);
            }
        }
        regex.append(Pattern.quote(literal.toString()));
        int flags = name.equals(INBOX) ? Pattern.CASE_INSENSITIVE : 0; // INBOX is INBOX in any case
        return Pattern.compile(regex.toString(), flags | Pattern.DOTALL).matcher(name).matches();
    }

    /** Creates a folder's directories (0700) and its Maildir++ marker; succeeds when they exist. */
    void create(String mailbox) throws IOException {
        Path dir = folderDir(mailbox);
        if (!dir.equals(root)) {
            MaildirFiles.createPrivateDirectory(dir);
        }
        createSubdirs(dir);
        if (!dir.equals(root) && !Files.exists(dir.resolve("maildirfolder"), LinkOption.NOFOLLOW_LINKS)) {
            MaildirFiles.writeNewFile(dir.resolve("maildirfolder"), new byte[0], null);
        }
        MaildirFiles.syncDirectory(root);
    }

    static void createSubdirs(Path dir) throws IOException {
        for (String sub : SUBDIRS) {
            MaildirFiles.createPrivateDirectory(dir.resolve(sub));
        }
    }

    /** The directory of an existing folder (with cur/, new/ and tmp/), or an IOException. */
    /**
     * Deletes a folder that is not INBOX: the files of its cur, new and tmp, those directories, the files at its
     * top (.uidvalidity, maildirfolder, dovecot-keywords) and itself. A folder holding any other directory is not a
     * folder this layout knows, and is refused untouched. Child folders are directories of their own and stay.
     */
    void delete(String mailbox) throws IOException {
        if (isInbox(mailbox)) {
            throw new IOException("INBOX is never deleted");
        }
        Path dir = existingFolderDir(mailbox);
        try (DirectoryStream<Path> top = Files.newDirectoryStream(dir)) {
            for (Path p : top) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !SUBDIRS.contains(p.getFileName().toString())) {
                    throw new IOException("Maildir folder " + printable(mailbox) + " holds a directory "
                            + printable(p.getFileName().toString()) + " that is not cur, new or tmp; not deleted");
                }
            }
        }
        for (String sub : SUBDIRS) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve(sub))) {
                for (Path f : files) {
                    Files.delete(f); // a directory in there is not empty and fails: nothing of it is lost
                }
            }
            Files.delete(dir.resolve(sub));
        }
        try (DirectoryStream<Path> top = Files.newDirectoryStream(dir)) {
            for (Path p : top) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    Path existingFolderDir(String mailbox) throws IOException {
        Path dir = folderDir(mailbox);
        for (String sub : SUBDIRS) {
            if (!Files.isDirectory(dir.resolve(sub), LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("Maildir " + root + " has no folder " + printable(mailbox));
            }
        }
        return dir;
    }

    /**
     * The directory of a folder, refusing any name that could reach outside the root: each '.'-separated part
     * non-empty, no '/', '\\', control characters, and the result exactly one level below the root.
     */
    Path folderDir(String mailbox) throws IOException {
        if (isInbox(mailbox)) {
            return root;
        }
        if (!validFolderName(mailbox)) {
            throw new IOException("'" + printable(mailbox) + "' cannot be a Maildir++ folder name: it needs non-empty"
                    + " parts separated by '.', without '/', '\\' or control characters, at most 254 bytes");
        }
        Path dir = root.resolve(DELIMITER + mailbox).normalize();
        if (!root.equals(dir.getParent())) {
            throw new IOException("folder '" + printable(mailbox) + "' would lie outside the Maildir " + root);
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !dir.toRealPath().startsWith(root)) {
            throw new IOException("folder '" + printable(mailbox) + "' is a link outside the Maildir " + root);
        }
        return dir;
    }

    private static boolean validFolderName(String name) {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 254
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '/' || c == '\\')) {
            return false;
        }
        for (String part : name.split("\\.", -1)) {
            if (part.isEmpty()) {
                return false;
            }
        }
        return !isInbox(name);
    }

    /** The name a folder goes by: INBOX in capitals, any other as given. */
    static String canonical(String mailbox) {
        return isInbox(mailbox) ? INBOX : mailbox;
    }

    private static boolean isInbox(String name) {
        return name != null && name.equalsIgnoreCase(INBOX);
    }

    /** A name or flag fit for an error message: printable ASCII, at most 80 characters. */
    static String printable(String s) {
        String p = s == null ? "" : s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 80 ? p.substring(0, 80) + "..." : p;
    }
}
