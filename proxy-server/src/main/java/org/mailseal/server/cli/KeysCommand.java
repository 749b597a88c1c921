package org.mailseal.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mailseal keys ...}: the key home. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage the key home: generate, import, export and list keys.",
        subcommands = {KeysGenerateCommand.class, KeysImportCommand.class, KeysExportCommand.class,
            KeysListCommand.class})
final class KeysCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: generate, import, export or list");
    }
}
