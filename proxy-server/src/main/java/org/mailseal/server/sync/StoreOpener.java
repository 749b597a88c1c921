package org.mailseal.server.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.mailseal.imap.sync.ImapSyncStore;
import org.mailseal.imap.sync.MaildirSyncStore;
import org.mailseal.imap.sync.StoreConfig;
import org.mailseal.imap.sync.SyncStore;
import org.mailseal.server.config.SyncConfig;

/**
 * Connects to one store of a channel and logs in. The seam between the sync command and the store implementations,
 * so that the command, the progress display and the watch loop are tested with fake stores.
 */
@FunctionalInterface
public interface StoreOpener {
    SyncStore open(SyncConfig.Store store) throws IOException;

    /** The real stores: IMAP accounts (password from the store's password file) and local Maildirs. */
    static StoreOpener production() {
        return store -> {
            if (store.config() instanceof StoreConfig.Maildir maildir) {
                return MaildirSyncStore.open(maildir.path());
            }
            StoreConfig.Imap imap = (StoreConfig.Imap) store.config();
            char[] password = firstLine(imap);
            try {
                return ImapSyncStore.open(store.upstream(), imap.user(), password);
            } catch (IOException e) {
                throw new IOException("store " + store + ": " + e.getMessage(), e);
            } finally {
                Arrays.fill(password, '\0');
            }
        };
    }

    /** The first line of the store's password file; the password is never printed or logged. */
    static char[] firstLine(StoreConfig.Imap imap) throws IOException {
        String content = Files.readString(imap.passwordFile(), StandardCharsets.UTF_8);
        int end = content.indexOf('\n');
        String line = (end >= 0 ? content.substring(0, end) : content).replace("\r", "");
        if (line.isEmpty()) {
            throw new IOException(imap + ": the first line of its password file is empty");
        }
        return line.toCharArray();
    }
}
