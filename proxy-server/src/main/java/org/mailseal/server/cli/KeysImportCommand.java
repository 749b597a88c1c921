package org.mailseal.server.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import keys: armored or binary OpenPGP certificates and passphrase-protected secret keys,",
            "PEM or DER X.509 certificates, PKCS#12 files (give their passphrase)."})
final class KeysImportCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @CommandLine.ArgGroup(exclusive = true)
    PasswordOptions password;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Key files to import.")
    List<Path> files;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FileKeyHome keyHome = home.open();
        char[] passphrase = password == null ? null : password.read();
        for (Path file : files) {
            if (!Files.isReadable(file)) {
                throw new UserError(ExitCodes.USAGE, "cannot read " + file);
            }
            try {
                for (KeyInfo info : keyHome.importKeys(Files.readAllBytes(file), passphrase)) {
                    spec.commandLine().getOut().println(KeysListCommand.line(info));
                }
            } catch (java.security.GeneralSecurityException | java.io.IOException e) {
                throw new UserError(ExitCodes.USAGE, file + ": " + e.getMessage());
            }
        }
        return ExitCodes.OK;
    }
}
