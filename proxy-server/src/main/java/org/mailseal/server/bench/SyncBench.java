package org.mailseal.server.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.ImapUpstreamConfig.TlsMode;
import org.mailseal.imap.sync.BothSides;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.ChannelSummary;
import org.mailseal.imap.sync.ChannelSync;
import org.mailseal.imap.sync.ImapSyncStore;
import org.mailseal.imap.sync.MessageTranslator;
import org.mailseal.imap.sync.PairSummary;
import org.mailseal.imap.sync.Side;
import org.mailseal.imap.sync.StoreConfig;
import org.mailseal.imap.sync.SyncListener;
import org.mailseal.imap.sync.SyncState;
import org.mailseal.server.bench.SyncBenchMailboxes.Account;
import org.mailseal.server.bench.SyncBenchMailboxes.Digest;

/**
 * {@code mailseal bench sync}: mailseal's sync engine against mbsync on the same IMAP server and the same mail.
 *
 * <p>Pair 1 (A1, B1) is synced by mailseal, pair 2 (A2, B2) by mbsync; A1 and A2 are filled identically and get
 * identical changes. Timed: the initial sync of the whole mailbox, a no-op run, and three incremental runs after
 * {@code changes} changes each: mailseal with QRESYNC (in process), mailseal reading in full (in process), and
 * mailseal as a {@code java -jar ... sync --once} process with QRESYNC, each against mbsync's run over the same
 * changes. The in-process initial sync is the first engine run of this JVM, so it carries the JIT warm-up; the CLI
 * runs carry a JVM's whole start. With a third pair (A3, B3) the initial sync is also timed as a CLI process.
 *
 * <p>After every round both sides of each pair are read back whole and compared (count and a digest of Message-IDs,
 * flags and contents), and pair 1 with pair 2: a run that left a difference fails the bench.
 *
 * <p>With an {@link EmulatedLink}, both tools reach the server through it for the no-op and incremental runs (and
 * for the initial sync too if {@code linkInitial}); emptying, filling, changing and reading back the mailboxes go
 * to the server directly, as they are not measured.
 */
public final class SyncBench {
    /**
     * @param accounts A1, B1, A2, B2 and optionally A3, B3 (logins), all with the password in {@code passwordFile}
     * @param link        an emulated link between both tools and the server for the timed runs, or null for none
     * @param linkInitial whether the initial sync goes through the link too (else it goes to the server directly)
     * @param jar      mailseal's jar for the CLI runs, or null to skip them
     */
    public record Options(String host, int port, Path passwordFile, List<String> accounts, int messages, int changes,
                          long seed, String mbsync, Path jar, EmulatedLink.Spec link, boolean linkInitial) {}

    private static final String CHANNEL = "bench";

    private final Options options;
    private final PrintWriter out;
    private final ImapUpstreamConfig server;
    private final char[] password;
    private final Path work;
    private final SyncBenchMailboxes boxes;
    private final List<String[]> rows = new ArrayList<>();
    /** Where the tools reach the server: directly, or through the link (set by {@link #run()} when there is one). */
    private Endpoint direct;
    private Endpoint timed;
    private EmulatedLink link;

    /** An address the tools can reach the server at. */
    private record Endpoint(String host, int port, ImapUpstreamConfig imap) {
        static Endpoint of(String host, int port) {
            return new Endpoint(host, port, ImapUpstreamConfig.plain(host, port));
        }
    }

    private SyncBench(Options options, PrintWriter out, Path work) throws IOException {
        this.options = options;
        this.out = out;
        this.server = ImapUpstreamConfig.plain(options.host(), options.port());
        String content = Files.readString(options.passwordFile(), StandardCharsets.UTF_8);
        this.password = content.lines().findFirst().orElse("").toCharArray();
        this.work = work;
        this.boxes = new SyncBenchMailboxes(server, password, options.seed());
    }

    public static void run(Options options, PrintWriter out) throws Exception {
        Path work = Files.createTempDirectory("mailseal-bench-sync-");
        try {
            new SyncBench(options, out, work).run();
        } finally {
            BenchSupport.deleteTree(work);
        }
    }

    private void run() throws Exception {
        direct = Endpoint.of(options.host(), options.port());
        timed = direct;
        if (options.link() != null) {
            link = EmulatedLink.start(options.link(), options.host(), options.port());
            timed = Endpoint.of(InetAddress.getLoopbackAddress().getHostAddress(), link.port());
            out.printf("emulated link: %s each way between both tools and the server (a relay on port %d) for the "
                    + "%s and incremental runs%n", options.link(), link.port(),
                    options.linkInitial() ? "initial, no-op" : "no-op");
        }
        try {
            runRounds();
        } finally {
            if (link != null) {
                link.close();
            }
        }
    }

    private void runRounds() throws Exception {
        List<String> users = options.accounts();
        Account a1 = new Account(users.get(0));
        Account b1 = new Account(users.get(1));
        Account a2 = new Account(users.get(2));
        Account b2 = new Account(users.get(3));
        boolean thirdPair = users.size() == 6 && options.jar() != null;
        Account a3 = thirdPair ? new Account(users.get(4)) : null;
        for (String user : users) {
            boxes.empty(user);
        }
        long start = System.nanoTime();
        boxes.seed(thirdPair ? List.of(a1, a2, a3) : List.of(a1, a2), options.messages());
        out.printf("seeded %s with %,d messages each in %.1f s (MULTIAPPEND)%n",
                thirdPair ? "A1, A2 and A3" : "A1 and A2", options.messages(), seconds(start));
        out.flush();

        Endpoint initial = options.linkInitial() ? timed : direct;
        String initialVia = link == null ? "" : options.linkInitial() ? ", through the link" : ", direct (no link)";
        Path state = work.resolve("mailseal-sync.db");
        Path cliConfig = cliConfig("pair1", a1.user, b1.user, state, timed);
        MbsyncChannel mbsyncDirect = MbsyncChannel.create(options.mbsync(),
                Files.createDirectories(work.resolve("mbsync")), direct.host(), direct.port(), a2.user, b2.user,
                options.passwordFile());
        MbsyncChannel mbsync = link == null ? mbsyncDirect : mbsyncDirect.via(timed.host(), timed.port());

        double msInitial = mailseal(initial, state, a1.user, b1.user, ImapSyncStore.Scan.INCREMENTAL);
        double mbInitial = mbsync(options.linkInitial() ? mbsync : mbsyncDirect);
        Digest expected = verify(a1, b1, a2, b2, "initial sync");
        row("initial sync, " + options.messages() + " messages, in process" + initialVia, msInitial, mbInitial);
        if (thirdPair) {
            Account b3 = new Account(users.get(5));
            Path config3 = cliConfig("pair3", a3.user, b3.user, work.resolve("pair3-sync.db"), initial);
            double cliInitial = cli(config3);
            Digest d3a = boxes.digest(a3.user);
            Digest d3b = boxes.digest(b3.user);
            require(d3a.equals(expected) && d3b.equals(expected), "pair 3 after the CLI's initial sync: A3 " + d3a
                    + ", B3 " + d3b + ", expected " + expected);
            row("initial sync, CLI process" + initialVia, cliInitial, mbInitial);
        }

        double msNoop = mailseal(timed, state, a1.user, b1.user, ImapSyncStore.Scan.INCREMENTAL);
        double mbNoop = mbsync(mbsync);
        double cliNoop = options.jar() != null ? cli(cliConfig) : Double.NaN;
        verify(a1, b1, a2, b2, "no-op sync");
        row("no-op sync, QRESYNC, in process", msNoop, mbNoop);
        if (options.jar() != null) {
            row("no-op sync, QRESYNC, CLI process", cliNoop, mbNoop);
        }

        boxes.change(List.of(a1, a2), options.changes(), 1);
        double msQresync = mailseal(timed, state, a1.user, b1.user, ImapSyncStore.Scan.INCREMENTAL);
        double mbRound1 = mbsync(mbsync);
        verify(a1, b1, a2, b2, "round 1");
        row(options.changes() + " changes, QRESYNC, in process", msQresync, mbRound1);

        boxes.change(List.of(a1, a2), options.changes(), 2);
        double msFull = mailseal(timed, state, a1.user, b1.user, ImapSyncStore.Scan.FULL);
        double mbRound2 = mbsync(mbsync);
        verify(a1, b1, a2, b2, "round 2");
        row(options.changes() + " changes, full scan, in process", msFull, mbRound2);

        if (options.jar() != null) {
            boxes.change(List.of(a1, a2), options.changes(), 3);
            double cliQresync = cli(cliConfig);
            double mbRound3 = mbsync(mbsync);
            verify(a1, b1, a2, b2, "round 3");
            row(options.changes() + " changes, QRESYNC, CLI process", cliQresync, mbRound3);
        }
        printTable();
    }

    /** One in-process run of the engine over pair 1, connections and state included; returns seconds. */
    private double mailseal(Endpoint via, Path state, String a, String b, ImapSyncStore.Scan scan)
            throws IOException {
        long[] before = relayed();
        long start = System.nanoTime();
        ChannelSummary summary;
        try (SyncState db = SyncState.open(state)) {
            // As the sync command does: both stores log in at once.
            Map<Side, ImapSyncStore> stores = BothSides.run(side -> ImapSyncStore.open(via.imap(),
                    side == Side.A ? a : b, password, scan), ImapSyncStore::close);
            try (ImapSyncStore storeA = stores.get(Side.A); ImapSyncStore storeB = stores.get(Side.B)) {
                summary = new ChannelSync(db, channel(via, a, b), storeA, storeB, MessageTranslator.NONE,
                        SyncListener.NONE).run(false);
            }
        }
        double seconds = seconds(start);
        boolean incremental = summary.pairs().stream().allMatch(PairSummary::incremental);
        out.printf("  mailseal (%s, %s): %.3f s%s; %s%n", scan == ImapSyncStore.Scan.FULL ? "full scan" : "QRESYNC",
                incremental ? "read incrementally" : "read in full", seconds, relayedSince(before), summary);
        out.flush();
        require(!summary.needsForce(), "the safety valve held back expunges: " + summary);
        return seconds;
    }

    private ChannelConfig channel(Endpoint via, String a, String b) {
        return ChannelConfig.of(CHANNEL, store(via, a), store(via, b), List.of(SyncBenchMailboxes.INBOX));
    }

    private StoreConfig.Imap store(Endpoint via, String user) {
        return new StoreConfig.Imap(via.host(), via.port(), TlsMode.NONE, user, options.passwordFile(), true, null);
    }

    /** One mbsync run; with a link, also what went through it. */
    private double mbsync(MbsyncChannel channel) throws IOException, InterruptedException {
        long[] before = relayed();
        double seconds = channel.run();
        if (link != null) {
            out.printf("  mbsync: %.3f s%s%n", seconds, relayedSince(before));
            out.flush();
        }
        return seconds;
    }

    private long[] relayed() {
        return link == null ? null : link.bytesRelayed();
    }

    /** ", through the link: N KB up, M KB down", or nothing without a link. */
    private String relayedSince(long[] before) {
        if (link == null) {
            return "";
        }
        long[] now = link.bytesRelayed();
        return String.format(", through the link %,.1f KB up, %,.1f KB down", (now[0] - before[0]) / 1e3,
                (now[1] - before[1]) / 1e3);
    }

    /** A configuration for {@code mailseal sync} over one pair, with the channel of the in-process runs. */
    private Path cliConfig(String name, String a, String b, Path state, Endpoint via) throws IOException {
        String yaml = "sync:\n  state: " + quote(state.toString()) + "\n  stores:\n" + cliStore("a", a, via)
                + cliStore("b", b, via)
                + "  channels:\n    - {name: " + CHANNEL + ", a: a, b: b, mailboxes: [INBOX]}\n";
        Path file = work.resolve(name + ".yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    private String cliStore(String name, String user, Endpoint via) {
        return "    " + name + ": {imap: {host: " + quote(via.host()) + ", port: " + via.port()
                + ", tls: none, allowPlaintextLogin: true, user: " + quote(user) + ", passwordFile: "
                + quote(options.passwordFile().toAbsolutePath().toString()) + "}}\n";
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** {@code java -jar mailseal.jar sync --once}: the wall time of the whole process. */
    private double cli(Path config) throws IOException, InterruptedException {
        long[] before = relayed();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Files.createTempFile(work, "cli-", ".log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(List.of(java, "-jar", options.jar().toString(), "sync", "--once", "--config",
                config.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("mailseal sync did not finish in 30 minutes");
        }
        double seconds = seconds(start);
        String output = Files.readString(log);
        if (p.exitValue() != 0) {
            throw new IOException("mailseal sync exited with " + p.exitValue() + ":\n" + output);
        }
        String summary = output.lines().filter(l -> l.contains("channel " + CHANNEL)).reduce((x, y) -> y).orElse("");
        out.printf("  mailseal sync --once (process): %.3f s%s; %s%n", seconds, relayedSince(before), summary.strip());
        out.flush();
        return seconds;
    }

    /** Reads all four mailboxes back; fails unless each pair agrees, both pairs agree, and the count is the model's. */
    private Digest verify(Account a1, Account b1, Account a2, Account b2, String after) throws IOException {
        Digest da1 = boxes.digest(a1.user);
        Digest db1 = boxes.digest(b1.user);
        Digest da2 = boxes.digest(a2.user);
        Digest db2 = boxes.digest(b2.user);
        require(da1.equals(db1), after + ": mailseal's pair differs: A1 " + da1 + ", B1 " + db1);
        require(da2.equals(db2), after + ": mbsync's pair differs: A2 " + da2 + ", B2 " + db2);
        require(da1.equals(da2), after + ": the pairs differ: mailseal's " + da1 + ", mbsync's " + da2);
        require(da1.count() == boxes.live(), after + ": " + da1.count() + " messages, expected " + boxes.live());
        out.printf("  verified after %s: all four mailboxes hold %s%n", after, da1);
        out.flush();
        return da1;
    }

    private static void require(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException("bench sync: " + failure);
        }
    }

    private void row(String what, double mailseal, double mbsync) {
        rows.add(new String[] {what, String.format("%.3f s", mailseal), String.format("%.3f s", mbsync),
            String.format("%.1f×", mbsync / mailseal)});
    }

    private void printTable() {
        out.println();
        out.println("| run | mailseal | mbsync | mbsync / mailseal |");
        out.println("|---|---|---|---|");
        for (String[] r : rows) {
            out.println("| " + String.join(" | ", r) + " |");
        }
        out.flush();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
