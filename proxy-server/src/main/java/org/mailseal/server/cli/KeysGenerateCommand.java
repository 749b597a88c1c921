package org.mailseal.server.cli;

import java.util.concurrent.Callable;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.KeyInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a key pair for an address; the private key is stored protected by the passphrase.")
final class KeysGenerateCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--email", required = true, paramLabel = "ADDRESS", description = "The address the key is for.")
    String email;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    PasswordOptions password;

    @Option(names = "--type", paramLabel = "pgp|smime", defaultValue = "pgp",
            description = "OpenPGP key or S/MIME certificate (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--algo", paramLabel = "cv25519|rsa3072",
            description = "Key algorithm (default: cv25519 for pgp, rsa3072 for smime).")
    String algorithm;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Format format = FormatOption.parse(type);
        KeyAlgorithm algo = algorithm != null ? KeyAlgorithm.parse(algorithm)
                : format == Format.SMIME ? KeyAlgorithm.RSA3072 : KeyAlgorithm.CV25519;
        FileKeyHome keyHome = home.open();
        KeyInfo info = keyHome.generate(email, format, algo, password.require());
        spec.commandLine().getOut().println(KeysListCommand.line(info));
        return ExitCodes.OK;
    }
}
