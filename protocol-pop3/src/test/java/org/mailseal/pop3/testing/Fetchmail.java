package org.mailseal.pop3.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** fetchmail, run once through {@code src/test/fetchmail/fetch.sh} into an mbox (see the README there). */
public final class Fetchmail {
    private static final Path SCRIPT = Paths.get("src/test/fetchmail/fetch.sh").toAbsolutePath();

    /** What a run printed (stdout and stderr together) and its exit status (0 mail, 1 none, 3 login failed...). */
    public record Run(int status, String output) {}

    private Fetchmail() {}

    public static boolean installed() {
        return Files.isExecutable(Paths.get("/usr/bin/fetchmail"));
    }

    public static Run fetch(int port, String user, String password, Path mbox, String... options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), "127.0.0.1", Integer.toString(port),
                user, password, mbox.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("fetchmail did not finish: " + new String(output, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
