package org.mailseal.imap.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.imap.ImapUpstreamConfig;

/**
 * Issue 7, acceptance 3 (the link half; the process killed with SIGKILL is {@code SyncKillIT} in proxy-server):
 * the link to side B is cut after a random number of bytes, again and again, while A changes; a rerun
 * over an intact link then converges with no message lost and none twice.
 */
class FaultySyncTest {
    private static SyncFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        fixture = SyncFixture.start("cutsync", List.of("cut"));
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @Test
    void runsCutAtRandomPointsThenARerunConvergeWithoutLossOrDuplicates() throws Exception {
        long seed = Long.getLong("sync.seed", System.nanoTime());
        System.out.println("FaultySyncTest seed=" + seed + " (replay with -Dsync.seed=" + seed + ")");
        Random random = new Random(seed);
        fixture.seed("cuta", "INBOX", 0, 150);
        fixture.seed("cutb", "INBOX", 1000, 40);
        ChannelConfig channel = fixture.channel("cut", List.of("INBOX"));
        int cuts = 0;
        try (SyncState state = SyncState.open(dir.resolve("state.db"))) {
            for (int round = 0; round < 8; round++) {
                long budget = 1_000 + random.nextInt(60_000);
                try (CuttingRelay relay = new CuttingRelay(fixture.port(), budget)) {
                    ImapUpstreamConfig a = ImapUpstreamConfig.plain("127.0.0.1", fixture.port());
                    ImapUpstreamConfig b = ImapUpstreamConfig.plain("127.0.0.1", relay.port());
                    try {
                        fixture.sync(state, channel, a, b, true);
                    } catch (IOException e) {
                        cuts++;
                    }
                }
                // Between runs A changes: a flag, and 20 new messages.
                fixture.command("cuta", "INBOX", "UID STORE " + (1 + random.nextInt(150)) + " +FLAGS ($Cut" + round + ")");
                fixture.seed("cuta", "INBOX", 2000 + 20 * round, 20);
            }
            assertTrue(cuts >= 3, "the relay cut several runs (seed " + seed + "): " + cuts);
            ChannelSummary last = fixture.sync(state, channel, true);
            List<String> a = fixture.snapshot("cuta", "INBOX");
            assertEquals(a, fixture.snapshot("cutb", "INBOX"), "seed " + seed + ", " + last);
            assertEquals(150 + 40 + 8 * 20, a.size(), "seed " + seed);
            assertTrue(fixture.sync(state, channel, false).changedNothing(), "seed " + seed);
        }
    }

    @Test
    void theRelayReallyCuts() throws Exception {
        try (CuttingRelay relay = new CuttingRelay(fixture.port(), 10)) {
            assertThrows(IOException.class, () -> ImapSyncStore.open(ImapUpstreamConfig.plain("127.0.0.1",
                    relay.port()), "cutb@example.org", SyncFixture.PASSWORD.toCharArray()).close());
        }
    }

    /** Forwards connections to the server and closes both ends once {@code budget} bytes passed, both ways together. */
    static final class CuttingRelay implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> sockets = new ArrayList<>();
        private final AtomicLong left;
        private final Thread acceptor;

        CuttingRelay(int serverPort, long budget) throws IOException {
            listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            left = new AtomicLong(budget);
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket client = listener.accept();
                        Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                        synchronized (sockets) {
                            sockets.add(client);
                            sockets.add(server);
                        }
                        pump(client.getInputStream(), server.getOutputStream(), left, client, server);
                        pump(server.getInputStream(), client.getOutputStream(), left, client, server);
                    }
                } catch (IOException closed) {
                    // the relay was closed
                }
            }, "cutting-relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private static void pump(InputStream in, OutputStream out, AtomicLong budget, Socket a, Socket b) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[4096];
                try {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        if (budget.addAndGet(-n) < 0) {
                            break;
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // either end closed
                }
                closeQuietly(a);
                closeQuietly(b);
            }, "cutting-relay-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            synchronized (sockets) {
                sockets.forEach(CuttingRelay::closeQuietly);
            }
        }
    }
}
