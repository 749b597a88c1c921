package org.mailseal.server.bench;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A slow network link emulated in user space: a TCP relay on loopback in front of a server. What a client sends to
 * {@link #port()} reaches the server, and the server's answers the client, each direction delayed by half the round
 * trip and limited to the rate, as over one full-duplex link: all connections through the relay share the rate of
 * each direction (a chunk read while another connection's data is still "on the wire" waits for it), as a client
 * behind one access link would.
 *
 * <p>Each direction of each connection has one pump thread. It reads up to {@value #CHUNK} bytes, gives the chunk a
 * release time (the end of its transmission at the rate, after the link's earlier chunks, plus the one-way delay),
 * queues it, and writes queued chunks to the other side when they are due; order is kept. Each direction of a
 * connection queues at most {@value #QUEUE_BYTES} bytes; beyond that the pump stops reading and TCP's flow control
 * holds the sender back. The end of a side's output is passed on after its data; when both directions have ended,
 * or either fails, both sockets are closed.
 *
 * <p>Not modelled: loss, jitter, reordering, and TCP's own behaviour on a slow path (slow start, congestion
 * windows): the real TCP connections run over loopback, so a sender only ever waits for the relay's queue.
 */
public final class EmulatedLink implements Closeable {
    static final int CHUNK = 4096;
    static final int QUEUE_BYTES = 256 * 1024;
    private static final Pattern RATE = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,6})?)(bit|kbit|mbit|gbit)");
    private static final Pattern DELAY = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,6})?)(us|ms|s)");

    /**
     * A link's parameters.
     *
     * @param bitsPerSecond the rate of each direction
     * @param rttNanos      the round-trip time; each direction delays by half of it
     */
    public record Spec(long bitsPerSecond, long rttNanos) {
        public Spec {
            if (bitsPerSecond < 8_000 || bitsPerSecond > 100_000_000_000L) {
                throw new IllegalArgumentException("link rate must be 8kbit-100gbit, was " + bitsPerSecond + " bit/s");
            }
            if (rttNanos < 0 || rttNanos > 10_000_000_000L) {
                throw new IllegalArgumentException("link round trip must be 0-10s");
            }
        }

        /**
         * Parses {@code RATE,RTT} as tc writes them: a rate in bit, kbit, mbit or gbit per second (decimal: 1 mbit
         * = 1,000,000 bits) and a round trip in us, ms or s; for example {@code 2mbit,60ms}.
         */
        public static Spec parse(String text) {
            String[] parts = text.strip().toLowerCase(Locale.ROOT).split(",", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("--link must be RATE,RTT (for example 2mbit,60ms), was '" + text + "'");
            }
            Matcher rate = RATE.matcher(parts[0].strip());
            if (!rate.matches()) {
                throw new IllegalArgumentException("--link rate must be a number with bit, kbit, mbit or gbit "
                        + "(for example 2mbit), was '" + parts[0] + "'");
            }
            Matcher delay = DELAY.matcher(parts[1].strip());
            if (!delay.matches()) {
                throw new IllegalArgumentException("--link round trip must be a number with us, ms or s "
                        + "(for example 60ms), was '" + parts[1] + "'");
            }
            double bits = Double.parseDouble(rate.group(1)) * switch (rate.group(2)) {
                case "bit" -> 1d;
                case "kbit" -> 1e3;
                case "mbit" -> 1e6;
                default -> 1e9;
            };
            double nanos = Double.parseDouble(delay.group(1)) * switch (delay.group(2)) {
                case "us" -> 1e3;
                case "ms" -> 1e6;
                default -> 1e9;
            };
            return new Spec(Math.round(bits), Math.round(nanos));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s, %s ms round trip", rate(), fmt(rttNanos / 1e6));
        }

        private String rate() {
            if (bitsPerSecond % 1_000_000_000 == 0) {
                return bitsPerSecond / 1_000_000_000 + " Gbit/s";
            }
            return bitsPerSecond >= 1_000_000 ? fmt(bitsPerSecond / 1e6) + " Mbit/s" : fmt(bitsPerSecond / 1e3) + " kbit/s";
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
        }
    }

    private final Spec spec;
    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** Per direction (0: to the server, 1: to the client): when the link's last scheduled chunk is sent in full. */
    private final long[] wireFree = new long[2];
    /** Per direction: the bytes relayed so far. */
    private final AtomicLong[] relayed = {new AtomicLong(), new AtomicLong()};
    private volatile boolean closed;

    private EmulatedLink(Spec spec, InetSocketAddress target) throws IOException {
        this.spec = spec;
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        long now = System.nanoTime();
        Arrays.fill(wireFree, now);
        this.acceptor = new Thread(this::accept, "link-accept");
        acceptor.setDaemon(true);
    }

    /** Starts a relay on a free loopback port that forwards to {@code host:port} over the emulated link. */
    public static EmulatedLink start(Spec spec, String host, int port) throws IOException {
        EmulatedLink link = new EmulatedLink(spec, new InetSocketAddress(host, port));
        link.acceptor.start();
        return link;
    }

    /** The loopback port clients connect to instead of the server's. */
    public int port() {
        return listener.getLocalPort();
    }

    public Spec spec() {
        return spec;
    }

    /** The bytes relayed so far to the server ({@code [0]}) and to the clients ({@code [1]}), all connections. */
    public long[] bytesRelayed() {
        return new long[] {relayed[0].get(), relayed[1].get()};
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            Socket server = new Socket();
            try {
                server.connect(target, 10_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(server);
                continue;
            }
            for (Socket s : new Socket[] {client, server}) {
                try {
                    s.setTcpNoDelay(true);
                } catch (IOException ignored) {
                    // a socket that cannot take the option still relays
                }
                sockets.add(s);
            }
            if (closed) {
                closeQuietly(client);
                closeQuietly(server);
                return;
            }
            int id = client.getPort();
            AtomicInteger open = new AtomicInteger(2);
            startPump(client, server, 0, open, "link-up-" + id);
            startPump(server, client, 1, open, "link-down-" + id);
        }
    }

    /**
     * One direction's thread. A side that ends its output (close or shutdown) has it passed on once all it sent is
     * delivered, and the other direction goes on; both sockets are closed when both directions have ended, or at
     * once when either fails (a reset, a write to a closed socket).
     */
    private void startPump(Socket from, Socket to, int direction, AtomicInteger open, String name) {
        Thread t = new Thread(() -> {
            boolean failed = true;
            try {
                pump(from, to, direction);
                failed = false;
            } catch (IOException | RuntimeException e) {
                // a closed or failed side ends the connection; both sockets are closed below
            } finally {
                if (failed || open.decrementAndGet() == 0) {
                    closeQuietly(from);
                    closeQuietly(to);
                    sockets.remove(from);
                    sockets.remove(to);
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private record Chunk(byte[] data, long due) {}

    /** One direction of one connection: read, schedule, and write what is due, until the reading side ends. */
    private void pump(Socket from, Socket to, int direction) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        ArrayDeque<Chunk> queue = new ArrayDeque<>();
        int queued = 0;
        byte[] buffer = new byte[CHUNK];
        boolean eof = false;
        while (!eof || !queue.isEmpty()) {
            long now = System.nanoTime();
            while (!queue.isEmpty() && queue.peekFirst().due() <= now) {
                Chunk c = queue.pollFirst();
                out.write(c.data());
                queued -= c.data().length;
                now = System.nanoTime();
            }
            if (eof || queued >= QUEUE_BYTES) {
                if (!queue.isEmpty()) {
                    sleepUntil(queue.peekFirst().due());
                }
                continue;
            }
            // Read until the next chunk is due: a blocking read, with a timeout while a chunk waits.
            int timeoutMs = 0;
            if (!queue.isEmpty()) {
                long wait = queue.peekFirst().due() - now;
                if (wait < 1_000_000) {
                    sleepUntil(queue.peekFirst().due());
                    continue;
                }
                timeoutMs = (int) Math.min(Integer.MAX_VALUE, wait / 1_000_000);
            }
            from.setSoTimeout(timeoutMs);
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                continue;
            }
            if (n < 0) {
                eof = true;
                continue;
            }
            queue.addLast(new Chunk(Arrays.copyOf(buffer, n), schedule(direction, System.nanoTime(), n)));
            queued += n;
            relayed[direction].addAndGet(n);
        }
        out.flush();
        to.shutdownOutput();
    }

    /** When a chunk of {@code bytes} read at {@code arrival} leaves the far end of the link. */
    private long schedule(int direction, long arrival, int bytes) {
        long transmit = bytes * 8L * 1_000_000_000L / spec.bitsPerSecond();
        synchronized (wireFree) {
            long start = Math.max(arrival, wireFree[direction]);
            wireFree[direction] = start + transmit;
            return start + transmit + spec.rttNanos() / 2;
        }
    }

    private static void sleepUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }
}
