package org.mailseal.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mailseal.server.config.MailsealConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mailseal config check}: validate without starting anything. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Work with configuration files.",
        subcommands = {ConfigCommand.Check.class})
final class ConfigCommand {
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate a configuration (keys, ports, certificate files) without starting anything.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration file.")
        Path config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            MailsealConfig loaded = RunCommand.load(config);
            spec.commandLine().getOut().println("configuration OK: " + loaded.listeners().size() + " listener(s), key home "
                    + loaded.keyHome() + ", default policy " + loaded.policy().defaultRule().mode().name().toLowerCase());
            return ExitCodes.OK;
        }
    }
}
