package org.mailseal.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mailseal keys ...}: the key home. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage the key home: generate, import, export and list keys, change passphrases, rotate keys.",
        subcommands = {KeysGenerateCommand.class, KeysImportCommand.class, KeysExportCommand.class,
            KeysListCommand.class, KeysPasswdCommand.class, KeysRotateCommand.class, KeysRetireCommand.class})
final class KeysCommand {
}
