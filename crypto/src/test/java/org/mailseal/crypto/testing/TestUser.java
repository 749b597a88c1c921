package org.mailseal.crypto.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;

/**
 * A mail user with keys in a key home, for tests: generated once (make it in {@code @BeforeAll}, RSA keys take a
 * while), unlocked with {@link TestKeys#PASSWORD}, and able to encrypt a message to itself and decrypt it with the
 * default limits and options. A test that needs other limits or options builds its own {@link MessageDecryptor} over
 * {@link #keys()}.
 */
public final class TestUser {
    private final String address;
    private final FileKeyHome home;
    private final List<UnlockedKey> keys;

    private TestUser(String address, FileKeyHome home) throws Exception {
        this.address = address;
        this.home = home;
        this.keys = TestKeys.unlock(home, address);
    }

    /**
     * A new key home in {@code dir} with keys for {@code address} in each format: PGP/MIME with
     * {@link KeyAlgorithm#CV25519}, S/MIME with {@link KeyAlgorithm#RSA3072}.
     */
    public static TestUser create(Path dir, String address, Format... formats) throws Exception {
        return inHome(TestKeys.home(dir), address, formats);
    }

    /** A new key home in {@code dir} with one key for {@code address}, of the given format and algorithm. */
    public static TestUser create(Path dir, String address, Format format, KeyAlgorithm algorithm) throws Exception {
        return inHome(TestKeys.home(dir), address, format, algorithm);
    }

    /** As {@link #create(Path, String, Format...)}, in a key home that other users (or imported keys) share. */
    public static TestUser inHome(FileKeyHome home, String address, Format... formats) throws Exception {
        if (formats.length == 0) {
            throw new IllegalArgumentException("no formats for " + address);
        }
        for (Format format : formats) {
            TestKeys.generate(home, address, format, defaultAlgorithm(format));
        }
        return new TestUser(address, home);
    }

    /** As {@link #create(Path, String, Format, KeyAlgorithm)}, in a key home that others share. */
    public static TestUser inHome(FileKeyHome home, String address, Format format, KeyAlgorithm algorithm)
            throws Exception {
        TestKeys.generate(home, address, format, algorithm);
        return new TestUser(address, home);
    }

    /** A user whose private keys are already in the home (imported), unlocked with {@link TestKeys#PASSWORD}. */
    public static TestUser existing(FileKeyHome home, String address) throws Exception {
        return new TestUser(address, home);
    }

    private static KeyAlgorithm defaultAlgorithm(Format format) {
        return switch (format) {
            case PGP_MIME -> KeyAlgorithm.CV25519;
            case SMIME -> KeyAlgorithm.RSA3072;
        };
    }

    public String address() {
        return address;
    }

    public FileKeyHome home() {
        return home;
    }

    /** The user's private keys, unlocked once when the user was made. */
    public List<UnlockedKey> keys() {
        return keys;
    }

    /** The user's encryption key of a format. */
    public RecipientKey recipient(Format format) {
        return TestKeys.recipient(home, address, format);
    }

    /** The message encrypted to this user with the default limits and options (header protection on). */
    public byte[] encrypt(byte[] message, Format format) throws Exception {
        return encrypt(message, format, EncryptionOptions.DEFAULTS);
    }

    /** The message encrypted to this user with the default limits and the given options. */
    public byte[] encrypt(byte[] message, Format format, EncryptionOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor(CryptoLimits.DEFAULTS, options)
                .encrypt(new ByteArrayInputStream(message), out, List.of(recipient(format)));
        return out.toByteArray();
    }

    /** Decrypts with this user's keys, the default limits and options; the caller closes the result. */
    public DecryptionResult decrypt(byte[] message) throws Exception {
        return new MessageDecryptor().decrypt(new ByteArrayInputStream(message), keys);
    }

    @Override
    public String toString() {
        return address;
    }
}
