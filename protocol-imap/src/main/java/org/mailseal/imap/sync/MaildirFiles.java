package org.mailseal.imap.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file operations of the Maildir store: private files (0600) and directories (0700), durable writes (data and
 * directory entries fsynced), atomic replacement, bounded reads. Decrypted mail is never handed to this store
 * (DESIGN.md invariant 7: the engine encrypts copies for a store that names a key), but what it writes is still
 * somebody's mail, so nothing it creates is readable by other users.
 */
final class MaildirFiles {
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();

    private MaildirFiles() {}

    /** Creates the directory (0700) unless it exists; an existing non-directory or symbolic link is an error. */
    static void createPrivateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PRIVATE_DIR);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " exists and is not a directory");
            }
        }
    }

    /**
     * Writes a new file (0600, failing if it exists), gives it the modification time if one is given, and forces
     * data and metadata to disk before returning.
     */
    static void writeNewFile(Path file, byte[] content, FileTime modified) throws IOException {
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PRIVATE_FILE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (modified != null) {
                Files.setLastModifiedTime(file, modified);
            }
            ch.force(true);
        }
    }

    /**
     * Replaces {@code target} with {@code content} so that a crash leaves either the old or the new file, never a
     * torn one: a temporary file in the same directory, fsync, atomic rename, fsync of the directory.
     */
    static void replaceAtomically(Path target, byte[] content) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp." + ProcessHandle.current().pid() + "_"
                + TEMP_COUNTER.incrementAndGet());
        try {
            writeNewFile(temp, content, null);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(target.getParent());
    }

    /** Makes the directory's entries (created, renamed, deleted files) durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * At most {@code limit} bytes from the start of a regular file (symbolic links are not followed), or null when
     * the file does not exist.
     */
    static byte[] readPrefix(Path file, int limit) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(limit);
        }
    }
}
