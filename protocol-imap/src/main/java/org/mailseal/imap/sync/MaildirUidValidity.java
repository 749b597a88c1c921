package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Maildir folder's {@code .uidvalidity} file as mbsync (isync) writes it: two lines, the UIDVALIDITY and the
 * last UID assigned under it. The UIDs themselves live in the message file names ({@code ,U=<uid>}).
 *
 * @param validity UIDVALIDITY, 1 to 2^32-1
 * @param lastUid  the highest UID ever assigned under it (0 to 2^32-1); the next message gets {@code lastUid + 1}
 */
record MaildirUidValidity(long validity, long lastUid) {
    static final String FILE = ".uidvalidity";
    static final long MAX_UID = 0xFFFF_FFFFL;
    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,10})\n([0-9]{1,10})\n?");
    /** The last UIDVALIDITY this process made, so two made within one second still differ. */
    private static final AtomicLong LAST_MADE = new AtomicLong();

    MaildirUidValidity {
        if (validity < 1 || validity > MAX_UID || lastUid < 0 || lastUid > MAX_UID) {
            throw new IllegalArgumentException("UIDVALIDITY " + validity + " / last UID " + lastUid + " out of range");
        }
    }

    /** The file's content, or empty when it is missing or not two numbers in range (a new UIDVALIDITY is due). */
    static Optional<MaildirUidValidity> read(Path folder) throws IOException {
        byte[] bytes = MaildirFiles.readPrefix(folder.resolve(FILE), 64);
        if (bytes == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(new String(bytes, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            return Optional.empty();
        }
        long validity = Long.parseLong(m.group(1));
        long last = Long.parseLong(m.group(2));
        if (validity < 1 || validity > MAX_UID || last > MAX_UID) {
            return Optional.empty();
        }
        return Optional.of(new MaildirUidValidity(validity, last));
    }

    /**
     * A fresh UIDVALIDITY from the clock (seconds, as 32 bits, never 0), above any this process made before: a
     * folder whose file was lost and remade in the same second must not get its old value back with new UIDs.
     */
    static MaildirUidValidity fresh(Clock clock) {
        long now = clock.instant().getEpochSecond() & MAX_UID;
        long made = LAST_MADE.updateAndGet(last -> Math.max(now, last + 1) > MAX_UID ? 1 : Math.max(now, last + 1));
        return new MaildirUidValidity(made == 0 ? 1 : made, 0);
    }

    /** The state after assigning {@code count} more UIDs; an IOException when the 32-bit UID space runs out. */
    MaildirUidValidity assign(int count) throws IOException {
        if (lastUid + count > MAX_UID) {
            throw new IOException("the folder has used up its 32-bit UIDs under UIDVALIDITY " + validity
                    + "; remove its .uidvalidity to renumber it");
        }
        return new MaildirUidValidity(validity, lastUid + count);
    }

    /** Writes the file crash-safely (temporary file, fsync, atomic rename, fsync of the folder). */
    void write(Path folder) throws IOException {
        MaildirFiles.replaceAtomically(folder.resolve(FILE),
                (validity + "\n" + lastUid + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
