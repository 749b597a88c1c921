package org.mailseal.server.cli;

import java.util.concurrent.Callable;
import org.mailseal.server.bench.ImapBench;
import org.mailseal.server.bench.Pop3Bench;
import org.mailseal.server.bench.RekeyBench;
import org.mailseal.server.bench.SmtpBench;
import org.mailseal.server.bench.SyncBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mailseal bench ...}: load drivers. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Load drivers.",
        subcommands = {BenchCommand.Smtp.class, BenchCommand.Imap.class, BenchCommand.Pop3.class,
            BenchCommand.Rekey.class, BenchCommand.Sync.class})
final class BenchCommand {
    @Command(name = "smtp", mixinStandardHelpOptions = true,
            description = {"Send the same load straight to a sink MTA and through mailseal (encrypting to one "
                + "cv25519 key) in one run, after a warm-up of about ten seconds; report messages/s, p50/p99 and the "
                + "latency mailseal adds, then hold idle sessions.",
                "With --target, measure a running deployment instead (no baseline)."})
    static final class Smtp implements Callable<Integer> {
        @Option(names = "--clients", defaultValue = "50", description = "Concurrent connections (default ${DEFAULT-VALUE}).")
        int clients;

        @Option(names = "--messages", defaultValue = "20000", description = "Messages in all (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--size", defaultValue = "4096", description = "Message size in bytes (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--idle", defaultValue = "1000", description = "Idle sessions to hold at the end (default ${DEFAULT-VALUE}).")
        int idle;

        @Option(names = "--rate", defaultValue = "0",
                description = "Offered load in msgs/s, spread over the clients; 0 for as fast as possible (default).")
        int rate;

        @Option(names = "--target", paramLabel = "HOST:PORT", description = "A running mailseal listener to load.")
        String target;

        @Option(names = "--to", defaultValue = "r@bench.test", description = "Recipient (default ${DEFAULT-VALUE}, which has a "
            + "cv25519 key; another @bench.test address has none, which measures relaying without encryption).")
        String recipient;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (clients < 1 || clients > 2_000 || messages < 1 || messages > 10_000_000 || size < 256 || size > (64 << 20)
                    || idle < 0 || idle > 20_000 || rate < 0) {
                throw new UserError(ExitCodes.USAGE, "out of range: 1-2000 clients, 1-10000000 messages, 256 B-64 MiB, 0-20000 idle");
            }
            if (target != null && !target.matches("[^:]+:\\d{1,5}")) {
                throw new UserError(ExitCodes.USAGE, "--target must be HOST:PORT");
            }
            SmtpBench.run(new SmtpBench.Options(target, recipient, clients, messages, size, target == null ? idle : 0, rate),
                    spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "imap", mixinStandardHelpOptions = true,
            description = {"Fill an embedded IMAP server with the same messages in plaintext and encrypted to one "
                + "cv25519 key; FETCH BODY[] of all plaintext ones straight from the server, then of all encrypted ones "
                + "through mailseal with a cold and a warm cache; report the times and ratios, then hold IDLE sessions."})
    static final class Imap implements Callable<Integer> {
        @Option(names = "--messages", defaultValue = "1000", description = "Messages in each mailbox (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--size", defaultValue = "16384", description = "Message size in bytes (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--idle", defaultValue = "1000", description = "IDLE sessions to hold at the end (default ${DEFAULT-VALUE}).")
        int idle;

        @Option(names = "--server", paramLabel = "HOST:PORT", description = "An IMAP server (plaintext login) to measure "
                + "against instead of the embedded one; its mailboxes bench-plain, bench-encrypted and bench-warmup are "
                + "made anew.")
        String server;

        @Option(names = "--user", defaultValue = "bench@bench.test", description = "Login on --server (default ${DEFAULT-VALUE}).")
        String user;

        @Option(names = "--password-file", paramLabel = "FILE", description = "First line: the password of --user.")
        java.nio.file.Path passwordFile;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (messages < 1 || messages > 100_000 || size < 256 || size > (16 << 20) || idle < 0 || idle > 10_000) {
                throw new UserError(ExitCodes.USAGE, "out of range: 1-100000 messages, 256 B-16 MiB, 0-10000 idle");
            }
            if (server != null && (!server.matches("[^:]+:\\d{1,5}") || passwordFile == null)) {
                throw new UserError(ExitCodes.USAGE, "--server needs HOST:PORT and --password-file");
            }
            String password = passwordFile == null ? "bench-pw" : java.nio.file.Files.readAllLines(passwordFile).get(0);
            ImapBench.run(new ImapBench.Options(messages, size, idle, server, user, password), spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "pop3", mixinStandardHelpOptions = true,
            description = {"Fill three POP3 maildrops on an embedded server (over IMAP APPEND): the same messages in "
                + "plaintext, encrypted to one cv25519 key, and encrypted to another for the warm-up. After the warm-up, "
                + "RETR of all plaintext ones straight from the server, then of all encrypted ones through mailseal with "
                + "a cold and a warm cache, then of the plaintext ones through mailseal, and of the encrypted ones "
                + "straight from the server; report the times, the ratios and where the CPU of the cold run went. RETRs go one at a time, each waiting for its answer (as "
                + "fetchmail and poplib do); every message retrieved must equal the original, or the run fails.",
                "With --server, measure a POP3 server of your own. The three accounts of --user must exist there, "
                + "with logins that are their addresses, and share their store with the IMAP server of --imap-server "
                + "(Dovecot and GreenMail do): their INBOXes are EMPTIED and filled anew. Each account gets a key in "
                + "a throwaway key home, protected by its password."})
    static final class Pop3 implements Callable<Integer> {
        @Option(names = "--messages", defaultValue = "1000", description = "Messages in each maildrop (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--size", defaultValue = "16384", description = "Message size in bytes (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--server", paramLabel = "HOST:PORT", description = "A POP3 server (plaintext USER/PASS) to "
                + "measure against instead of the embedded one.")
        String server;

        @Option(names = "--imap-server", paramLabel = "HOST:PORT", description = "The IMAP server (plaintext LOGIN) "
                + "sharing --server's store, to fill the maildrops (default: the host of --server, port 143).")
        String imapServer;

        @Option(names = "--user", paramLabel = "PLAIN,ENCRYPTED,WARMUP", split = ",",
                defaultValue = "plain@bench.test,encrypted@bench.test,warmup@bench.test",
                description = "The three accounts, comma-separated, in this order: the plaintext maildrop, the "
                + "encrypted one, the warm-up one (default ${DEFAULT-VALUE}).")
        java.util.List<String> users;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "One line: the password of all three accounts; or three lines: one for each, in --user order.")
        java.nio.file.Path passwordFile;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (messages < 1 || messages > 100_000 || size < 256 || size > (16 << 20)) {
                throw new UserError(ExitCodes.USAGE, "out of range: 1-100000 messages, 256 B-16 MiB");
            }
            if (server != null && (!server.matches("[^:]+:\\d{1,5}") || passwordFile == null)) {
                throw new UserError(ExitCodes.USAGE, "--server needs HOST:PORT and --password-file");
            }
            if (imapServer != null && (server == null || !imapServer.matches("[^:]+:\\d{1,5}"))) {
                throw new UserError(ExitCodes.USAGE, "--imap-server needs HOST:PORT, and --server");
            }
            if (users.size() != 3 || users.stream().anyMatch(user -> user.isBlank() || !user.contains("@"))
                    || users.stream().distinct().count() != 3) {
                throw new UserError(ExitCodes.USAGE, "--user needs three different addresses: PLAIN,ENCRYPTED,WARMUP");
            }
            java.util.List<String> passwords = java.util.List.of("bench-pw");
            if (passwordFile != null) {
                passwords = java.nio.file.Files.readAllLines(passwordFile).stream().filter(line -> !line.isEmpty()).toList();
                if (passwords.size() != 1 && passwords.size() != 3) {
                    throw new UserError(ExitCodes.USAGE, "--password-file needs one line, or three");
                }
            }
            String imap = imapServer != null || server == null ? imapServer
                    : server.substring(0, server.lastIndexOf(':')) + ":143";
            Pop3Bench.run(new Pop3Bench.Options(messages, size, server, imap, users, passwords),
                    spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "rekey", mixinStandardHelpOptions = true,
            description = {"What a key rollover costs per stored message, in process: the same messages encrypted to "
                + "one key are moved to another by re-wrapping their session keys (what mailseal rekey does) and by "
                + "decrypting and encrypting them again; report the CPU time of each, their ratio and messages/s. "
                + "Every result is checked to open with the new key to the original message."})
    static final class Rekey implements Callable<Integer> {
        @Option(names = "--messages", defaultValue = "1000", description = "Messages moved each way (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--size", defaultValue = "1048576", description = "Message size in bytes (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--distinct", defaultValue = "20",
                description = "Different messages, cycled through (default ${DEFAULT-VALUE}; they are held in memory).")
        int distinct;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (messages < 1 || messages > 1_000_000 || size < 256 || size > (64 << 20) || distinct < 1
                    || distinct > 1000 || (long) distinct * size > (512L << 20)) {
                throw new UserError(ExitCodes.USAGE, "out of range: 1-1000000 messages, 256 B-64 MiB, 1-1000 distinct "
                        + "(at most 512 MiB of them)");
            }
            RekeyBench.run(new RekeyBench.Options(messages, size, distinct), spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true,
            description = {"mailseal's mailbox sync against mbsync (isync 1.4) on one IMAP server with QRESYNC: the "
                + "INBOXes of A1 and A2 are EMPTIED and filled with the same messages, then synced to B1 by mailseal and "
                + "to B2 by mbsync (initial sync, a no-op run), and after the same --changes changes on A1 and A2 "
                + "synced again: by mailseal with QRESYNC, reading in full, and as a `sync --once` process, each against "
                + "mbsync. After each round every mailbox is read back and compared; report the times and ratios.",
                "Accounts: A1,B1,A2,B2 (their INBOXes are emptied); a fifth and sixth, A3,B3, also time the initial "
                + "sync as a `java -jar` process.",
                "With --link RATE,RTT both tools reach the server through an emulated link (a relay in this process) "
                + "for the no-op and incremental runs."})
    static final class Sync implements Callable<Integer> {
        @Option(names = "--server", required = true, paramLabel = "HOST:PORT",
                description = "The IMAP server (plaintext LOGIN, QRESYNC, MULTIAPPEND, UIDPLUS).")
        String server;

        @Option(names = "--password-file", required = true, paramLabel = "FILE",
                description = "First line: the password of every account.")
        java.nio.file.Path passwordFile;

        @Option(names = "--accounts", required = true, split = ",", paramLabel = "A1,B1,A2,B2[,A3,B3]",
                description = "The logins: pair 1 for mailseal, pair 2 for mbsync, optionally pair 3 for the CLI's "
                + "initial sync.")
        java.util.List<String> accounts;

        @Option(names = "--messages", defaultValue = "10000", description = "Messages in the mailbox (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--changes", defaultValue = "100",
                description = "Changes before each incremental run: 90% flag changes, 5% new messages, 5% expunges "
                + "(default ${DEFAULT-VALUE}).")
        int changes;

        @Option(names = "--seed", defaultValue = "7", description = "Seed of the generated messages and changes (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--mbsync", defaultValue = "mbsync", description = "The mbsync executable (default ${DEFAULT-VALUE}).")
        String mbsync;

        @Option(names = "--jar", paramLabel = "FILE",
                description = "mailseal's jar for the process runs (default: the jar this runs from; none: skip them).")
        String jar;

        @Option(names = "--link", paramLabel = "RATE,RTT",
                description = "Put an emulated link between both tools and the server for the timed runs: each "
                + "direction limited to RATE (bit, kbit, mbit or gbit per second) and delayed by half of RTT (us, ms or "
                + "s), all connections sharing it; for example 2mbit,60ms. The initial sync goes to the server "
                + "directly unless --link-initial. No loss or jitter.")
        String link;

        @Option(names = "--link-initial", description = "With --link: the initial sync goes through the link too "
                + "(all messages cross it twice).")
        boolean linkInitial;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            org.mailseal.server.bench.EmulatedLink.Spec linkSpec = null;
            if (link != null) {
                try {
                    linkSpec = org.mailseal.server.bench.EmulatedLink.Spec.parse(link);
                } catch (IllegalArgumentException e) {
                    throw new UserError(ExitCodes.USAGE, e.getMessage());
                }
            } else if (linkInitial) {
                throw new UserError(ExitCodes.USAGE, "--link-initial needs --link");
            }
            if (messages < 1 || messages > 1_000_000 || changes < 3 || changes > messages / 2) {
                throw new UserError(ExitCodes.USAGE, "out of range: 1-1000000 messages, 3 to half of them changes");
            }
            if (!server.matches("[^:]+:\\d{1,5}")) {
                throw new UserError(ExitCodes.USAGE, "--server must be HOST:PORT");
            }
            if ((accounts.size() != 4 && accounts.size() != 6) || accounts.stream().distinct().count() != accounts.size()
                    || accounts.stream().anyMatch(a -> a.isBlank() || a.chars().anyMatch(c -> c <= 0x20))) {
                throw new UserError(ExitCodes.USAGE, "--accounts needs four (or six) different logins: A1,B1,A2,B2[,A3,B3]");
            }
            java.nio.file.Path jarFile = null;
            if (jar == null) {
                java.nio.file.Path self = java.nio.file.Path.of(SyncBench.class.getProtectionDomain().getCodeSource()
                        .getLocation().toURI());
                jarFile = self.toString().endsWith(".jar") ? self : null;
            } else if (!jar.equals("none")) {
                jarFile = java.nio.file.Path.of(jar);
            }
            int colon = server.lastIndexOf(':');
            SyncBench.run(new SyncBench.Options(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)),
                    passwordFile, accounts, messages, changes, seed, mbsync, jarFile, linkSpec, linkInitial), spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
