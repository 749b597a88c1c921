package org.mailseal.server.cli;

import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.KeyAlgorithm;
import picocli.CommandLine.Option;

/** {@code --type pgp|smime} and {@code --algo cv25519|rsa3072}, for commands that make a key pair. */
final class KeyTypeOptions {
    @Option(names = "--type", paramLabel = "pgp|smime", defaultValue = "pgp",
            description = "OpenPGP key or S/MIME certificate (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--algo", paramLabel = "cv25519|rsa3072",
            description = "Key algorithm (default: cv25519 for pgp, rsa3072 for smime).")
    String algorithm;

    Format format() {
        return FormatOption.parse(type);
    }

    KeyAlgorithm algorithm() {
        return algorithm != null ? KeyAlgorithm.parse(algorithm)
                : format() == Format.SMIME ? KeyAlgorithm.RSA3072 : KeyAlgorithm.CV25519;
    }
}
