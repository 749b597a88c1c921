package org.mailseal.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code mailseal sync} from the shaded jar as a separate process, the way a user runs it: standard output read line
 * by line as it comes (so a test can act on the first summary or kill the process mid-copy), standard error to a file.
 */
final class SyncJar implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private final Path stderr;

    private SyncJar(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(this::read, "sync-jar-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static SyncJar start(Path config, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", Cli.jar().toString(), "sync", "--config", config.toString()));
        command.addAll(List.of(options));
        Path stderr = Files.createTempFile(config.getParent(), "sync-stderr-", ".txt");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new SyncJar(process, stderr);
    }

    /** Runs to the end (at most {@code seconds}) and returns the exit code. */
    static SyncJar run(Path config, long seconds, String... options) throws IOException, InterruptedException {
        SyncJar jar = start(config, options);
        jar.waitFor(seconds);
        return jar;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process was killed
        }
    }

    /** Waits until a line of standard output matches; false if the process ended or the time passed first. */
    boolean awaitLine(Predicate<String> match, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (lines) {
            while (true) {
                if (lines.stream().anyMatch(match)) {
                    return true;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    return false;
                }
                lines.wait(Math.min(left, 200));
            }
        }
    }

    /** Waits for the end (failing the test after {@code seconds}) and returns the exit code. */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("mailseal sync did not finish within " + seconds + " s; " + this);
        }
        reader.join(10_000);
        return process.exitValue();
    }

    int exitCode() {
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no cleanup, as a crash or a pulled plug. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM: the shutdown hook runs. */
    void terminate() {
        process.destroy();
    }

    String out() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    String err() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "stdout:\n" + out() + "\nstderr:\n" + err();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
