package org.mailseal.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyUnlockException;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.ToolImapClient;
import org.mailseal.imap.rekey.ProgressReporter;
import org.mailseal.imap.rekey.RekeyEngine;
import org.mailseal.imap.rekey.RekeySummary;
import org.mailseal.server.config.ImapListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.imap.RetiredKeyRewrapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mailseal rekey}: re-wraps the session keys of a user's stored messages that are encrypted to a retired key,
 * on the IMAP server behind the configuration's IMAP listener. Safe to interrupt and rerun (see {@link RekeyEngine}).
 */
@Command(name = "rekey", mixinStandardHelpOptions = true,
        description = {"Re-wrap stored messages encrypted to a retired key (see keys rotate) for the current key, on "
            + "the upstream IMAP server of the configuration's imap listener; the bulk ciphertext is kept byte for byte. "
            + "Each message is appended anew with its flags and date, checked, and only then is the old one deleted "
            + "(the server must have UIDPLUS). Safe to interrupt and rerun."})
final class RekeyCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration file.")
    Path config;

    @Option(names = "--user", required = true, paramLabel = "ADDRESS", description = "Whose mailboxes.")
    String user;

    @Option(names = "--mailbox", paramLabel = "NAME", description = "Only this mailbox (repeatable; default: all).")
    List<String> mailboxes = new ArrayList<>();

    @Option(names = "--dry-run", description = "Report what would change; change nothing.")
    boolean dryRun;

    @CommandLine.ArgGroup(exclusive = true)
    PasswordOptions password = new PasswordOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MailsealConfig loaded = RunCommand.load(config);
        if (loaded.imapListeners().isEmpty()) {
            throw new UserError(ExitCodes.USAGE, "the configuration has no IMAP listener (role: imap)");
        }
        ImapUpstreamConfig upstream = loaded.imapListeners().get(0).upstream();
        FileKeyHome home = FileKeyHome.open(loaded.keyHome());
        char[] secret = password.readOrPrompt("Mail password for " + user + ": ");
        try {
            List<UnlockedKey> unlocked;
            try {
                unlocked = home.unlock(user, secret);
            } catch (KeyUnlockException e) {
                throw new UserError(ExitCodes.ERROR, e.getMessage());
            }
            RetiredKeyRewrapper rewrapper = new RetiredKeyRewrapper(new SessionKeyRewrapper(), unlocked,
                    home.retiredFingerprints(), home.encryptionKeys(user));
            if (!rewrapper.hasRetiredKeys()) {
                spec.commandLine().getOut().println("rekey: " + user + " has no retired key; nothing to do");
                return ExitCodes.OK;
            }
            ProgressReporter reporter = new ProgressReporter(new java.io.PrintStream(
                    new java.io.FileOutputStream(java.io.FileDescriptor.out), true), System.console() != null,
                    System::nanoTime);
            try (ToolImapClient client = ToolImapClient.connect(upstream)) {
                client.login(user, secret);
                RekeySummary summary = new RekeyEngine(client, rewrapper, reporter, dryRun).run(mailboxes);
                reporter.finished(summary);
                client.logout();
                return summary.count(org.mailseal.imap.rekey.RekeyListener.Outcome.FAILED) == 0 ? ExitCodes.OK
                        : ExitCodes.ERROR;
            }
        } finally {
            Arrays.fill(secret, '\0');
        }
    }
}
