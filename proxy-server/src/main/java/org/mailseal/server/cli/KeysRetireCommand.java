package org.mailseal.server.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mailseal keys retire}: lists an address's retired keys, and with {@code --purge} deletes them. */
@Command(name = "retire", mixinStandardHelpOptions = true,
        description = {"List the retired keys of an address (replaced by keys rotate; they still decrypt).",
            "With --purge, delete them: mail still encrypted only to them can no longer be read, so run",
            "mailseal rekey first, until no message needs them."})
final class KeysRetireCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--email", required = true, paramLabel = "ADDRESS", description = "Whose keys.")
    String email;

    @Option(names = "--purge", description = "Delete the retired keys (private and public parts).")
    boolean purge;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FileKeyHome keyHome = home.open();
        List<KeyInfo> keys = purge ? keyHome.purgeRetired(email) : keyHome.retired(email);
        for (KeyInfo info : keys) {
            spec.commandLine().getOut().println(KeysListCommand.line(info));
        }
        spec.commandLine().getOut().printf("%d retired key(s) of %s %s%n", keys.size(), email,
                purge ? "deleted" : "kept (--purge deletes them)");
        return ExitCodes.OK;
    }
}
