package org.mailseal.imap.rekey;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP forwarder to the real server that cuts each connection (both sockets closed, like a dropped link)
 * after a byte budget, counted over both directions. A budget of Long.MAX_VALUE forwards without cutting.
 */
final class CuttingForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private volatile long budget = Long.MAX_VALUE;

    CuttingForwarder(int targetPort) throws IOException {
        this.targetPort = targetPort;
        ServerSocket s = null;
        Random random = new Random();
        for (int i = 0; i < 200 && s == null; i++) {
            try {
                s = new ServerSocket(20000 + random.nextInt(12000), 50, InetAddress.getLoopbackAddress());
            } catch (IOException taken) {
                // another
            }
        }
        if (s == null) {
            throw new IOException("no free port below 32768");
        }
        server = s;
        Thread acceptor = new Thread(this::acceptLoop, "forwarder");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The budget of the next connections. */
    void cutAfter(long bytes) {
        budget = bytes;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                AtomicLong left = new AtomicLong(budget);
                pump(client, upstream, left);
                pump(upstream, client, left);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to, AtomicLong left) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    long allowed = left.getAndAdd(-n);
                    if (allowed < n) {
                        out.write(buffer, 0, (int) Math.max(0, allowed));
                        break;
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException ignored) {
                // the other direction closed
            } finally {
                close(from);
                close(to);
            }
        }, "pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
