package org.mailseal.server.cli;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyInfo;
import org.mailseal.crypto.keys.KeyUnlockException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mailseal keys passwd}: protects an address's private keys with a new passphrase. When a user's mail
 * password changes, this is the one step needed: no message is touched, and the next login with the new password
 * unlocks the same keys.
 */
@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = {"Protect an address's private keys (retired ones too) with a new passphrase; no message changes.",
            "Run it when the user's mail password changes: the next login with the new password unlocks the same keys.",
            "Passphrases come from the options, or else from prompts on the terminal."})
final class KeysPasswdCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--email", required = true, paramLabel = "ADDRESS", description = "Whose keys.")
    String email;

    @CommandLine.ArgGroup(exclusive = true)
    PasswordOptions oldPassword = new PasswordOptions();

    @Option(names = "--new-password-file", paramLabel = "FILE",
            description = "File whose first line is the new passphrase.")
    java.nio.file.Path newPasswordFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FileKeyHome keyHome = home.open();
        char[] old = oldPassword.readOrPrompt("Current passphrase for " + email + ": ");
        char[] fresh = newPasswordFile != null ? PasswordOptions.firstLine(newPasswordFile) : newFromPrompt();
        try {
            List<KeyInfo> changed = keyHome.changePassphrase(email, old, fresh);
            for (KeyInfo info : changed) {
                spec.commandLine().getOut().println(KeysListCommand.line(info));
            }
            spec.commandLine().getOut().printf("%d key(s) of %s now open with the new passphrase%n", changed.size(),
                    email);
            return ExitCodes.OK;
        } catch (KeyUnlockException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        } finally {
            Arrays.fill(old, '\0');
            Arrays.fill(fresh, '\0');
        }
    }

    private static char[] newFromPrompt() {
        java.io.Console console = System.console();
        if (console == null) {
            throw new UserError(ExitCodes.USAGE, "no terminal to ask for the new passphrase: use --new-password-file");
        }
        char[] first = console.readPassword("New passphrase: ");
        char[] second = console.readPassword("New passphrase again: ");
        try {
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new UserError(ExitCodes.USAGE, "the two new passphrases differ");
            }
            return first.clone();
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }
}
