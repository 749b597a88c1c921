package org.mailseal.server.cli;

import java.util.Arrays;
import java.util.concurrent.Callable;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.KeyInfo;
import org.mailseal.crypto.keys.KeyUnlockException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mailseal keys rotate}: a new key pair for an address; the old one is kept, retired, for decryption. */
@Command(name = "rotate", mixinStandardHelpOptions = true,
        description = {"Generate a new key pair for an address (or take one made elsewhere, with --import), protected by "
            + "the same passphrase. New mail is encrypted to it; the old key is kept, marked retired, and still "
            + "decrypts old mail until mailseal rekey has moved the stored mail to the new one."})
final class KeysRotateCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--email", required = true, paramLabel = "ADDRESS", description = "Whose key.")
    String email;

    @CommandLine.ArgGroup(exclusive = true)
    PasswordOptions password = new PasswordOptions();

    @Mixin
    KeyTypeOptions key;

    @Option(names = "--import", paramLabel = "FILE",
            description = "Rotate to a key pair made elsewhere (an OpenPGP secret key, or a PKCS#12 file with --type "
                + "smime) instead of a new one; it must open with the same passphrase.")
    java.nio.file.Path importFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Format format = key.format();
        KeyAlgorithm algo = key.algorithm();
        FileKeyHome keyHome = home.open();
        char[] passphrase = password.readOrPrompt("Passphrase for " + email + ": ");
        try {
            if (importFile != null && key.algorithm != null) {
                throw new UserError(ExitCodes.USAGE, "--algo and --import do not go together");
            }
            KeyInfo fresh = importFile != null
                    ? keyHome.rotateTo(email, format, java.nio.file.Files.readAllBytes(importFile), passphrase)
                    : keyHome.rotate(email, format, algo, passphrase);
            spec.commandLine().getOut().println(KeysListCommand.line(fresh));
            for (KeyInfo info : keyHome.list()) {
                if (info.status().equals("retired") && info.format() == format && info.addresses().contains(
                        fresh.addresses().get(0))) {
                    spec.commandLine().getOut().println(KeysListCommand.line(info));
                }
            }
            return ExitCodes.OK;
        } catch (KeyUnlockException | java.security.GeneralSecurityException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }
}
