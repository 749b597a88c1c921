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

    @Mixin
    KeyTypeOptions key;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Format format = key.format();
        KeyAlgorithm algo = key.algorithm();
        FileKeyHome keyHome = home.open();
        KeyInfo info = keyHome.generate(email, format, algo, password.require());
        spec.commandLine().getOut().println(KeysListCommand.line(info));
        return ExitCodes.OK;
    }
}
