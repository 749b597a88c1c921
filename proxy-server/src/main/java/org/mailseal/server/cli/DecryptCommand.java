package org.mailseal.server.cli;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.keys.UnlockedKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "decrypt", mixinStandardHelpOptions = true,
        description = {"Decrypt a message (standard input) with a user's private key and write it to standard output.",
            "Nothing is written unless the whole message decrypted and passed its integrity check."})
final class DecryptCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--user", required = true, paramLabel = "ADDRESS", description = "Whose private key to use.")
    String user;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    PasswordOptions password;

    @Option(names = "--allow-unauthenticated",
            description = "Also read S/MIME EnvelopedData with CBC, which has no integrity protection.")
    boolean allowUnauthenticated;

    @Override
    public Integer call() throws Exception {
        List<UnlockedKey> keys = home.open().unlock(user, password.require());
        try {
            MessageDecryptor decryptor = new MessageDecryptor(CryptoLimits.DEFAULTS, new DecryptionOptions(allowUnauthenticated));
            try (DecryptionResult result = decryptor.decrypt(System.in, keys)) {
                OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
                result.message().writeTo(out);
                out.flush();
            }
        } finally {
            keys.forEach(UnlockedKey::close);
        }
        return ExitCodes.OK;
    }
}
