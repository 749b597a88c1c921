package org.mailseal.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --password P} or {@code --password-file F} (first line of the file; the safer choice). */
final class PasswordOptions {
    @Option(names = "--password", paramLabel = "PASSWORD",
            description = "Passphrase (visible to other local users in the process list; prefer --password-file).")
    String password;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File whose first line is the passphrase.")
    Path passwordFile;

    /** The passphrase, or null when neither option was given. */
    char[] read() throws IOException {
        if (password != null) {
            return password.toCharArray();
        }
        if (passwordFile == null) {
            return null;
        }
        return firstLine(passwordFile);
    }

    /** The passphrase from the options, or else asked for on the terminal. */
    char[] readOrPrompt(String prompt) throws IOException {
        char[] value = read();
        if (value != null) {
            return value;
        }
        java.io.Console console = System.console();
        if (console == null) {
            throw new UserError(ExitCodes.USAGE, "a passphrase is required: --password, --password-file or a terminal");
        }
        char[] typed = console.readPassword(prompt);
        if (typed == null || typed.length == 0) {
            throw new UserError(ExitCodes.USAGE, "no passphrase given");
        }
        return typed;
    }

    /** The first line of a file (without its line end). */
    static char[] firstLine(Path file) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int end = content.indexOf('\n');
        String line = end >= 0 ? content.substring(0, end) : content;
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        return line.toCharArray();
    }

    char[] require() throws IOException {
        char[] value = read();
        if (value == null || value.length == 0) {
            throw new UserError(ExitCodes.USAGE, "a passphrase is required: --password or --password-file");
        }
        return value;
    }
}
