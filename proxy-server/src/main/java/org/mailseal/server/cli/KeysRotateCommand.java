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
        description = {"Generate a new key pair for an address, protected by the same passphrase. New mail is",
            "encrypted to it; the old key is kept, marked retired, and still decrypts old mail."})
final class KeysRotateCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--email", required = true, paramLabel = "ADDRESS", description = "Whose key.")
    String email;

    @CommandLine.ArgGroup(exclusive = true)
    PasswordOptions password = new PasswordOptions();

    @Mixin
    KeyTypeOptions key;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Format format = key.format();
        KeyAlgorithm algo = key.algorithm();
        FileKeyHome keyHome = home.open();
        char[] passphrase = password.readOrPrompt("Passphrase for " + email + ": ");
        try {
            KeyInfo fresh = keyHome.rotate(email, format, algo, passphrase);
            spec.commandLine().getOut().println(KeysListCommand.line(fresh));
            for (KeyInfo info : keyHome.list()) {
                if (info.status().equals("retired") && info.format() == format && info.addresses().contains(
                        fresh.addresses().get(0))) {
                    spec.commandLine().getOut().println(KeysListCommand.line(info));
                }
            }
            return ExitCodes.OK;
        } catch (KeyUnlockException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }
}
