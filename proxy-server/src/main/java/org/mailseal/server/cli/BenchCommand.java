package org.mailseal.server.cli;

import java.util.concurrent.Callable;
import org.mailseal.server.bench.SmtpBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mailseal bench ...}: load drivers. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Load drivers.",
        subcommands = {BenchCommand.Smtp.class})
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
}
