package org.mailseal.server.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write an address's public keys to standard output (armored OpenPGP, PEM certificates);",
            "with --secret, the passphrase-protected private key (armored OpenPGP or PKCS#12)."})
final class KeysExportCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--email", required = true, paramLabel = "ADDRESS")
    String email;

    @Option(names = "--secret", description = "Export the private key (still protected by its passphrase).")
    boolean secret;

    @Option(names = "--type", paramLabel = "pgp|smime", description = "Only keys of this format.")
    String type;

    @Override
    public Integer call() throws Exception {
        FileKeyHome keyHome = home.open();
        Format format = type == null ? null : FormatOption.parse(type);
        PrintStream out = System.out;
        if (secret) {
            out.write(keyHome.exportSecret(email, format));
        } else {
            String keys = keyHome.exportPublic(email, format);
            if (keys.isEmpty()) {
                throw new UserError(ExitCodes.NO_USABLE_KEY, "no key for " + email);
            }
            out.print(keys);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
