package org.mailseal.server.cli;

import java.util.concurrent.Callable;
import org.mailseal.server.bench.ImapBench;
import org.mailseal.server.bench.SmtpBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mailseal bench ...}: load drivers. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Load drivers.",
        subcommands = {BenchCommand.Smtp.class, BenchCommand.Imap.class})
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
}
