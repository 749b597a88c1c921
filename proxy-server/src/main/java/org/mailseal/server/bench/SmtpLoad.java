package org.mailseal.server.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load: N client connections, each sending messages one after the other (MAIL, RCPT and DATA pipelined, RFC
 * 2920), until M messages are sent in all; every message's time from MAIL to the final 250 is recorded.
 */
final class SmtpLoad {
    /** What a run measured. */
    record Result(int messages, int failures, double seconds, long[] latenciesNanos) {
        double perSecond() {
            return messages / seconds;
        }

        double percentileMillis(double percentile) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            long[] sorted = latenciesNanos.clone();
            Arrays.sort(sorted);
            int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }

    private SmtpLoad() {}

    /**
     * @param rate messages per second in all, spread over the clients (each keeps its own schedule, so a slow reply
     *             does not lower the offered load); 0 for as fast as the replies come
     */
    static Result run(String host, int port, int clients, int messages, String recipient, byte[] message, int rate)
            throws InterruptedException {
        long interval = rate > 0 ? (long) (clients * 1e9 / rate) : 0;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger remaining = new AtomicInteger(messages);
        AtomicInteger failures = new AtomicInteger();
        List<Future<List<Long>>> results = new ArrayList<>();
        byte[] envelope = ("MAIL FROM:<load@bench.test>\r\nRCPT TO:<" + recipient + ">\r\nDATA\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] end = ".\r\n".getBytes(StandardCharsets.US_ASCII);
        long started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            results.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                try (Socket socket = new Socket(host, port)) {
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout(60_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = socket.getOutputStream();
                    reply(in);
                    out.write("EHLO load.bench.test\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    reply(in);
                    long due = System.nanoTime() + (interval > 0 ? java.util.concurrent.ThreadLocalRandom.current().nextLong(interval) : 0);
                    while (remaining.getAndDecrement() > 0) {
                        if (interval > 0) {
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                            due += interval;
                        }
                        long start = System.nanoTime();
                        out.write(envelope);
                        out.flush();
                        boolean ok = reply(in).startsWith("250") & reply(in).startsWith("250") & reply(in).startsWith("354");
                        if (!ok) {
                            failures.incrementAndGet();
                            out.write("RSET\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            reply(in);
                            continue;
                        }
                        out.write(message);
                        out.write(end);
                        out.flush();
                        if (reply(in).startsWith("250")) {
                            latencies.add(System.nanoTime() - start);
                        } else {
                            failures.incrementAndGet();
                        }
                    }
                    out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> result : results) {
            try {
                all.addAll(result.get());
            } catch (java.util.concurrent.ExecutionException e) {
                failures.incrementAndGet();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        return new Result(all.size(), failures.get(), seconds, all.stream().mapToLong(Long::longValue).toArray());
    }

    /** Reads one (possibly multi-line) reply and returns its last line. */
    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** A message of about {@code size} bytes: a header and a base64 body, CRLF lines, no line starting with a dot. */
    static byte[] message(int size) {
        StringBuilder text = new StringBuilder("From: load@bench.test\r\nTo: r@bench.test\r\nSubject: load\r\n"
                + "Message-ID: <load@bench.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n");
        java.util.Random random = new java.util.Random(size);
        byte[] line = new byte[57];
        while (text.length() < size - 80) {
            random.nextBytes(line);
            text.append(java.util.Base64.getEncoder().encodeToString(line)).append("\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
