package org.mailseal.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.mailseal.crypto.keys.FileKeyHome;
import picocli.CommandLine.Option;

/** {@code --home}: the key home, else {@code $MAILSEAL_HOME}, else {@code ~/.mailseal}. */
final class KeyHomeOption {
    @Option(names = "--home", paramLabel = "DIR",
            description = "Key home directory (default: $MAILSEAL_HOME, else ~/.mailseal).")
    Path home;

    Path resolve() {
        if (home != null) {
            return home;
        }
        String fromEnvironment = System.getenv("MAILSEAL_HOME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Path.of(fromEnvironment);
        }
        return Path.of(System.getProperty("user.home"), ".mailseal");
    }

    FileKeyHome open() throws IOException {
        return FileKeyHome.open(resolve());
    }
}
