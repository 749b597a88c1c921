package org.mailseal.imap.sync;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link ImapSyncStore} against GreenMail: no QRESYNC and no MULTIAPPEND there, so full scans and one APPEND per
 * message (with LITERAL+).
 */
class ImapSyncStoreTest extends SyncStoreContract {
    private static final GreenMail GREENMAIL = new GreenMail(new ServerSetup(0, "127.0.0.1", "imap").dynamicPort());

    @BeforeAll
    static void start() {
        GREENMAIL.start();
        GREENMAIL.setUser("sync@example.org", "sync@example.org", "sync-pw");
    }

    @AfterAll
    static void stop() {
        GREENMAIL.stop();
    }

    @Override
    ImapSyncStore open() throws IOException {
        return ImapSyncStore.open(ImapUpstreamConfig.plain("127.0.0.1", GREENMAIL.getImap().getPort()),
                "sync@example.org", "sync-pw".toCharArray());
    }

    @Test
    void notIncrementalWithoutQresync() throws Exception {
        try (ImapSyncStore store = open()) {
            assertFalse(store.incremental());
            assertEquals(0, store.select("INBOX").highestModSeq());
        }
    }
}
