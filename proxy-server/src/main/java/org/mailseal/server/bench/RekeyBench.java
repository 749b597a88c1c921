package org.mailseal.server.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;

/**
 * {@code mailseal bench rekey}: what a key rollover costs per stored message, in process. The same messages,
 * encrypted to a key K1, are moved to a key K2 twice: by re-wrapping their session keys (what {@code mailseal rekey}
 * does; the bulk ciphertext is copied as it is) and by decrypting and encrypting them again. Both are timed in CPU
 * time of the thread that does the work, after a warm-up of each, and every result is checked: it opens with K2
 * to the original message.
 */
public final class RekeyBench {
    /** @param distinct how many different messages are encrypted; the run cycles through them */
    public record Options(int messages, int size, int distinct) {}

    private static final char[] PASSWORD = "bench-pw".toCharArray();

    private RekeyBench() {}

    public static void run(Options options, PrintWriter out) throws Exception {
        Path home = Files.createTempDirectory("mailseal-bench-rekey-");
        try {
            FileKeyHome keys = FileKeyHome.open(home);
            keys.generate("k1@bench.test", Format.PGP_MIME, KeyAlgorithm.CV25519, PASSWORD);
            keys.generate("k2@bench.test", Format.PGP_MIME, KeyAlgorithm.CV25519, PASSWORD);
            List<UnlockedKey> k1 = keys.unlock("k1@bench.test", PASSWORD);
            List<UnlockedKey> k2 = keys.unlock("k2@bench.test", PASSWORD);
            List<RecipientKey> toK1 = keys.encryptionKeys("k1@bench.test");
            List<RecipientKey> toK2 = keys.encryptionKeys("k2@bench.test");
            CryptoLimits limits = CryptoLimits.DEFAULTS.withMaxMessageBytes(Math.max(CryptoLimits.DEFAULTS.maxMessageBytes(),
                    4L * options.size()));
            MessageEncryptor encryptor = new MessageEncryptor(limits, EncryptionOptions.DEFAULTS);
            MessageDecryptor decryptor = new MessageDecryptor(limits, DecryptionOptions.DEFAULTS);
            SessionKeyRewrapper rewrapper = new SessionKeyRewrapper(limits);

            List<byte[]> originals = new ArrayList<>();
            List<byte[]> stored = new ArrayList<>();
            for (int i = 0; i < options.distinct(); i++) {
                byte[] message = ImapBench.message(i, options.size());
                ByteArrayOutputStream encrypted = new ByteArrayOutputStream(message.length * 2);
                encryptor.encrypt(new ByteArrayInputStream(message), message.length, encrypted, toK1);
                originals.add(message);
                stored.add(encrypted.toByteArray());
            }
            out.printf("%,d messages of %,d bytes (%,d distinct, encrypted to one cv25519 key, %,d bytes stored each)%n",
                    options.messages(), options.size(), options.distinct(), stored.get(0).length);
            out.flush();

            Job rewrap = (message, sink) -> rewrapper.rewrap(message, message.length, k1, toK2, sink);
            Job reencrypt = (message, sink) -> {
                try (DecryptionResult result = decryptor.decrypt(message, message.length, k1)) {
                    byte[] plaintext = result.message().toByteArray();
                    encryptor.encrypt(new ByteArrayInputStream(plaintext), plaintext.length, sink, toK2);
                }
            };
            // Warm-up (the JIT), and the check that both give K2 messages that open to the originals.
            for (int i = 0; i < Math.min(stored.size(), 20); i++) {
                for (Job job : List.of(rewrap, reencrypt)) {
                    ByteArrayOutputStream result = new ByteArrayOutputStream();
                    job.run(stored.get(i), result);
                    try (DecryptionResult opened = decryptor.decrypt(result.toByteArray(), result.size(), k2)) {
                        if (!Arrays.equals(opened.message().toByteArray(), originals.get(i))) {
                            throw new IOException("message " + i + " did not come back as it was");
                        }
                    }
                }
            }
            Timed rewrapped = time(rewrap, stored, options.messages());
            Timed reencrypted = time(reencrypt, stored, options.messages());
            out.printf("%-36s %12s %12s %12s%n", "", "CPU seconds", "wall seconds", "msgs/s");
            rewrapped.print(out, "re-wrap session keys (rekey)");
            reencrypted.print(out, "decrypt and encrypt again");
            out.printf("CPU-time ratio, decrypt+encrypt / re-wrap: %.1fx (target >= 20x)%n",
                    reencrypted.cpuSeconds() / rewrapped.cpuSeconds());
            k1.forEach(UnlockedKey::close);
            k2.forEach(UnlockedKey::close);
        } finally {
            BenchSupport.deleteTree(home);
        }
    }

    private interface Job {
        void run(byte[] message, OutputStream sink) throws Exception;
    }

    private record Timed(double cpuSeconds, double wallSeconds, int messages) {
        void print(PrintWriter out, String row) {
            out.printf("%-36s %12.3f %12.3f %,12.0f%n", row, cpuSeconds, wallSeconds, messages / wallSeconds);
        }
    }

    /**
     * Times the job on each message in turn. Each message is first copied into a buffer of its own, as it would be
     * when just read from the server (that copy is not timed), so both ways start from a message in the cache, as
     * rekey's do.
     */
    private static Timed time(Job job, List<byte[]> stored, int messages) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        OutputStream sink = OutputStream.nullOutputStream();
        byte[] received = new byte[stored.stream().mapToInt(m -> m.length).max().orElse(0)];
        long cpu = 0;
        long wall = 0;
        for (int i = 0; i < messages; i++) {
            byte[] message = stored.get(i % stored.size());
            System.arraycopy(message, 0, received, 0, message.length);
            byte[] exact = received.length == message.length ? received : Arrays.copyOf(received, message.length);
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long wallBefore = System.nanoTime();
            job.run(exact, sink);
            wall += System.nanoTime() - wallBefore;
            cpu += threads.getCurrentThreadCpuTime() - cpuBefore;
        }
        return new Timed(cpu / 1e9, wall / 1e9, messages);
    }
}
