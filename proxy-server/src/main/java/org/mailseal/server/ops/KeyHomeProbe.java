package org.mailseal.server.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The file key home answers when its directory can be listed. */
public record KeyHomeProbe(Path directory) implements HealthChecks.Probe {
    @Override
    public String check() throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("the key home is not a directory");
        }
        try (Stream<Path> entries = Files.list(directory)) {
            entries.findAny(); // a read, not just a stat: permissions and I/O errors show here
        }
        return "readable";
    }
}
