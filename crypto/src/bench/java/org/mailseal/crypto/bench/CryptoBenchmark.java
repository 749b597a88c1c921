package org.mailseal.crypto.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PGP/MIME encrypt and decrypt of whole messages, in process. The inputs (msg-SIZE.eml) and the key homes
 * (keys-ALGO, ten recipients each) live in {@code inputDir}, shared with the gpg timings of run.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CryptoBenchmark {
    static final char[] PASSWORD = "bench".toCharArray();

    @Param({"4k", "64k", "1m", "10m"})
    public String size;

    @Param({"1", "10"})
    public int recipients;

    @Param({"cv25519", "rsa3072"})
    public String algo;

    @Param("")
    public String inputDir;

    private byte[] message;
    private byte[] encrypted;
    private List<RecipientKey> keys;
    private List<UnlockedKey> unlocked;
    private final MessageEncryptor encryptor = new MessageEncryptor();
    private final MessageDecryptor decryptor = new MessageDecryptor();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Path.of(inputDir.isEmpty() ? System.getProperty("java.io.tmpdir") + "/mailseal-bench" : inputDir);
        message = Files.readAllBytes(dir.resolve("msg-" + size + ".eml"));
        FileKeyHome home = FileKeyHome.open(dir.resolve("keys-" + algo));
        keys = new ArrayList<>();
        for (int i = 0; i < recipients; i++) {
            String address = "r" + i + "@example.org";
            if (home.encryptionKeys(address).isEmpty()) {
                home.generate(address, Format.PGP_MIME, KeyAlgorithm.parse(algo), PASSWORD);
            }
            keys.add(home.encryptionKeys(address).get(0));
        }
        // Decrypt as the last recipient, the worst case for finding one's own session-key packet.
        unlocked = home.unlock("r" + (recipients - 1) + "@example.org", PASSWORD);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encryptor.encrypt(new ByteArrayInputStream(message), out, keys);
        encrypted = out.toByteArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        unlocked.forEach(UnlockedKey::close);
    }

    @Benchmark
    public long encrypt() throws Exception {
        CountingSink sink = new CountingSink();
        encryptor.encrypt(new ByteArrayInputStream(message), sink, keys);
        return sink.count;
    }

    @Benchmark
    public long decrypt() throws Exception {
        CountingSink sink = new CountingSink();
        try (DecryptionResult result = decryptor.decrypt(encrypted, encrypted.length, unlocked)) {
            result.message().writeTo(sink);
        }
        return sink.count;
    }

    /** Counts and drops bytes, like a socket that is always ready. */
    static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
