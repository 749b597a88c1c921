package org.mailseal.server.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.server.config.ListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.run.ProxyServer;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * {@code mailseal bench smtp}: the same load sent straight to a sink MTA and through mailseal (which encrypts every
 * message to one cv25519 key) in one run, reported as messages per second and the latency mailseal adds; then
 * idle sessions held open, with the heap they take. With a target, only that deployment is measured.
 */
public final class SmtpBench {
    /** @param target host:port of a running mailseal to measure, or null for the self-contained comparison */
    public record Options(String target, String recipient, int clients, int messages, int size, int idleSessions,
                          int rate) {}

    private static final int WARM_UP_ROUNDS = 10;

    private SmtpBench() {}

    public static void run(Options options, PrintWriter out) throws Exception {
        byte[] message = SmtpLoad.message(options.size());
        if (options.target() != null) {
            String[] hostPort = options.target().split(":");
            SmtpLoad.Result result = SmtpLoad.run(hostPort[0], Integer.parseInt(hostPort[1]), options.clients(),
                    options.messages(), options.recipient(), message, options.rate());
            out.println(header(options));
            out.println(row("target " + options.target(), result));
            return;
        }
        Path home = Files.createTempDirectory("mailseal-bench-keys");
        EventLoopGroup sinkGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (SinkServer sink = new SinkServer(sinkGroup)) {
            FileKeyHome keys = FileKeyHome.open(home);
            keys.generate("r@bench.test", Format.PGP_MIME, KeyAlgorithm.CV25519, "bench".toCharArray());
            UpstreamConfig upstream = UpstreamConfig.plain("127.0.0.1", sink.port(), "mailseal.bench.test");
            MailsealConfig config = new MailsealConfig(home, Policy.opportunistic(), EncryptionOptions.DEFAULTS,
                    25L << 20, 100, 1 << 20, List.of(new ListenerConfig("inbound", SmtpSessionConfig.Role.INBOUND_SMTP,
                            "127.0.0.1", 0, "mailseal.bench.test", null, false, false, Set.of("bench.test"), upstream)));
            try (ProxyServer proxy = ProxyServer.start(config)) {
                int port = proxy.addresses().get(0).getPort();
                String to = options.recipient(); // r@bench.test has the key; any other address measures plain relaying
                warmUp(sink.port(), port, options, to, message, out);
                SmtpLoad.Result direct = SmtpLoad.run("127.0.0.1", sink.port(), options.clients(), options.messages(),
                        to, message, options.rate());
                SmtpLoad.Result through = SmtpLoad.run("127.0.0.1", port, options.clients(), options.messages(),
                        to, message, options.rate());
                out.println(header(options));
                out.println(row("direct to the sink", direct));
                out.println(row("through mailseal", through));
                out.printf("added latency: p50 %.2f ms, p99 %.2f ms; throughput through mailseal %.0f%% of direct%n",
                        through.percentileMillis(50) - direct.percentileMillis(50),
                        through.percentileMillis(99) - direct.percentileMillis(99),
                        100 * through.perSecond() / direct.perSecond());
                if (options.idleSessions() > 0) {
                    idle(port, options.idleSessions(), proxy, out);
                }
            }
        } finally {
            sinkGroup.shutdownGracefully().syncUninterruptibly();
            deleteTree(home);
        }
        out.printf("peak RSS of this process (mailseal, sink and load together): %s%n", peakRss());
    }

    /**
     * Ten rounds (of 2,000 messages or 64 MiB) on both paths as fast as the replies come, then (with an offered rate) three seconds at that rate,
     * whose different profile makes the JIT recompile. Without this, a compiler thread busy on one of two cores is
     * measured as mailseal's latency: with 2,000 warm-up messages the p99 at 1,000 msgs/s was 6-17 ms, with this
     * 2-4 ms. A long-running server is warm, so warm figures are the ones that describe it.
     */
    private static void warmUp(int sinkPort, int proxyPort, Options options, String to, byte[] message, PrintWriter out)
            throws InterruptedException {
        int perRound = Math.max(1, Math.min(Math.min(2_000, options.messages()), (64 << 20) / Math.max(1, options.size())));
        for (int round = 0; round < WARM_UP_ROUNDS; round++) {
            SmtpLoad.run("127.0.0.1", sinkPort, options.clients(), perRound, to, message, 0);
            SmtpLoad.run("127.0.0.1", proxyPort, options.clients(), perRound, to, message, 0);
        }
        if (options.rate() > 0) {
            int paced = Math.min(options.messages(), options.rate() * 3);
            SmtpLoad.run("127.0.0.1", sinkPort, options.clients(), paced, to, message, options.rate());
            SmtpLoad.run("127.0.0.1", proxyPort, options.clients(), paced, to, message, options.rate());
        }
        out.printf("warm-up: %d rounds of %,d messages each way%s%n", WARM_UP_ROUNDS, perRound,
                options.rate() > 0 ? ", then 3 s at the offered rate" : "");
    }

    private static String header(Options options) {
        return String.format("%d messages of %d bytes, %d concurrent clients, %s, one cv25519 recipient%n"
                + "%-22s %10s %8s %9s %9s", options.messages(), options.size(), options.clients(),
                options.rate() > 0 ? "offered load " + options.rate() + " msgs/s" : "as fast as replies come",
                "", "msgs/s", "failed", "p50 ms", "p99 ms");
    }

    private static String row(String name, SmtpLoad.Result result) {
        return String.format("%-22s %10.0f %8d %9.2f %9.2f", name, result.perSecond(), result.failures(),
                result.percentileMillis(50), result.percentileMillis(99));
    }

    /** Opens idle sessions (each greeted, each with its upstream connection) and reports the heap they hold. */
    private static void idle(int port, int count, ProxyServer proxy, PrintWriter out) throws IOException {
        long before = heapUsedAfterGc();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(30_000);
                String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                if (greeting == null || !greeting.startsWith("220")) {
                    throw new IOException("session " + i + " was not greeted: " + greeting);
                }
                sockets.add(socket);
            }
            long after = heapUsedAfterGc();
            out.printf("%d idle sessions open (mailseal counts %d), heap %.1f MiB -> %.1f MiB (%.1f KiB per session), "
                    + "max heap %.0f MiB%n", count, proxy.sessions(), before / 1048576.0, after / 1048576.0,
                    (after - before) / 1024.0 / count, Runtime.getRuntime().maxMemory() / 1048576.0);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown";
    }

    private static void deleteTree(Path root) throws IOException {
        BenchSupport.deleteTree(root);
    }

}
