package org.mailseal.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * mbsync (isync 1.4) as {@code mailseal bench sync} runs it: one IMAP-to-IMAP channel over the INBOXes of two
 * accounts, everything propagated both ways (as mailseal's default channel does), its state in a folder of its own.
 */
final class MbsyncChannel {
    static final String NAME = "bench";

    private final String executable;
    private final Path config;
    private final String far;
    private final String near;
    private final Path passwordFile;

    private MbsyncChannel(String executable, Path config, String far, String near, Path passwordFile) {
        this.executable = executable;
        this.config = config;
        this.far = far;
        this.near = near;
        this.passwordFile = passwordFile;
    }

    /**
     * Writes the configuration into {@code dir}. The password is read by mbsync from {@code passwordFile}
     * (PassCmd), so it is in neither the configuration nor a command line.
     */
    static MbsyncChannel create(String executable, Path dir, String host, int port, String far, String near,
                                Path passwordFile) throws IOException {
        return write(executable, dir.resolve("mbsyncrc"), host, port, far, near, passwordFile);
    }

    /**
     * The same channel, with the same state, reaching the server at another address (the emulated link's relay):
     * mbsync's state names no server, so a run through either continues where the last one left off.
     */
    MbsyncChannel via(String host, int port) throws IOException {
        return write(executable, config.resolveSibling("mbsyncrc-" + port), host, port, far, near, passwordFile);
    }

    private static MbsyncChannel write(String executable, Path config, String host, int port, String far, String near,
                                       Path passwordFile) throws IOException {
        Path state = Files.createDirectories(config.resolveSibling("state"));
        String passCmd = "PassCmd \"head -n1 '" + passwordFile.toAbsolutePath() + "'\"\n";
        String rc = account("far", host, port, far, passCmd) + account("near", host, port, near, passCmd)
                + "Channel " + NAME + "\nFar :far:\nNear :near:\nPatterns INBOX\nSync All\nCreate Both\n"
                + "Expunge Both\nCopyArrivalDate yes\nSyncState " + state.toAbsolutePath() + "/\n";
        Files.writeString(config, rc, StandardCharsets.UTF_8);
        return new MbsyncChannel(executable, config, far, near, passwordFile);
    }

    private static String account(String name, String host, int port, String user, String passCmd) {
        return "IMAPAccount " + name + "\nHost " + host + "\nPort " + port + "\nUser " + user + "\n" + passCmd
                + "SSLType None\nAuthMechs LOGIN\n\nIMAPStore " + name + "\nAccount " + name + "\n\n";
    }

    /** Runs the channel once; returns the wall time in seconds, or fails with mbsync's output. */
    double run() throws IOException, InterruptedException {
        Path log = Files.createTempFile(config.getParent(), "mbsync-", ".log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(List.of(executable, "-c", config.toString(), NAME))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("mbsync did not finish in 30 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (p.exitValue() != 0) {
            throw new IOException("mbsync exited with " + p.exitValue() + ":\n" + Files.readString(log));
        }
        return seconds;
    }
}
