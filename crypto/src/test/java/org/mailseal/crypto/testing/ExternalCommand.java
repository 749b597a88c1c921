package org.mailseal.crypto.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command line tool (gpg, openssl) to completion. Standard input, output and error go through files in a
 * scratch directory, so a tool that writes much and reads little (or the reverse) can never block on a full pipe.
 */
public final class ExternalCommand {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private ExternalCommand() {}

    /** What a finished command returned. */
    public record Result(List<String> command, int exitCode, byte[] stdout, byte[] stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8);
        }

        /** Fails with the command and its error output unless it exited with 0. */
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exitCode + ":\n"
                        + stderrText());
            }
            return this;
        }
    }

    /**
     * A tool as a test drives it: its leading arguments ({@code gpg --homedir DIR}), its environment, and the scratch
     * directory for its standard streams.
     */
    public record Tool(Path scratch, Map<String, String> environment, List<String> command) {
        /** Runs the command with further arguments. */
        public Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of(args));
            return ExternalCommand.run(scratch, environment, stdin, full);
        }

        /** As {@link #run}, failing unless the command exited with 0. */
        public Result runOk(byte[] stdin, String... args) throws IOException, InterruptedException {
            return run(stdin, args).requireSuccess();
        }
    }

    public static Result run(Path scratch, Map<String, String> environment, byte[] stdin, List<String> command)
            throws IOException, InterruptedException {
        return run(scratch, environment, stdin, command, DEFAULT_TIMEOUT);
    }

    public static Result run(Path scratch, Map<String, String> environment, byte[] stdin, List<String> command,
                             Duration timeout) throws IOException, InterruptedException {
        Path in = Files.createTempFile(scratch, "stdin-", "");
        Path out = Files.createTempFile(scratch, "stdout-", "");
        Path err = Files.createTempFile(scratch, "stderr-", "");
        try {
            Files.write(in, stdin == null ? new byte[0] : stdin);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(scratch.toFile())
                    .redirectInput(in.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(environment);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + command.get(0) + "; the interop tests need it on the PATH", e);
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(List.copyOf(command), process.exitValue(), Files.readAllBytes(out), Files.readAllBytes(err));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Deletes a directory tree, tolerating files that vanish meanwhile (an agent removing its socket). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                    throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
