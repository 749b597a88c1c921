package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestKeys;

/**
 * A message larger than maxMessageBytes is refused with {@link LimitExceededException}, as documented on
 * {@link MessageDecryptor#decrypt}: its size is a public fact, so the answer may say so, in either format.
 */
class MessageSizeLimitTest {
    private static final String BOB = "bob@example.org";
    private static final CryptoLimits SMALL = CryptoLimits.DEFAULTS.withMaxMessageBytes(100_000);

    @TempDir
    static Path dir;
    static FileKeyHome home;
    static List<UnlockedKey> keys;
    static byte[] large;

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir);
        TestKeys.generate(home, BOB, Format.PGP_MIME, KeyAlgorithm.CV25519);
        TestKeys.generate(home, BOB, Format.SMIME, KeyAlgorithm.RSA3072);
        keys = TestKeys.unlock(home, BOB);
        byte[] attachment = new byte[300_000];
        for (int i = 0; i < attachment.length; i++) {
            attachment[i] = (byte) (i * 7 + (i >> 9));
        }
        large = Messages.withAttachment("Large", attachment);
    }

    private static byte[] encrypt(Format format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(large), out,
                List.of(TestKeys.recipient(home, BOB, format)));
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void withinTheLimitItDecrypts(Format format) throws Exception {
        try (DecryptionResult result = new MessageDecryptor(CryptoLimits.DEFAULTS.withMaxMessageBytes(1 << 20),
                DecryptionOptions.DEFAULTS).decrypt(new ByteArrayInputStream(encrypt(format)), keys)) {
            assertThat(result.message().toByteArray()).isEqualTo(large);
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void aLargerMessageIsRefusedAsTooLarge(Format format) throws Exception {
        byte[] encrypted = encrypt(format);

        assertThatThrownBy(() -> new MessageDecryptor(SMALL, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(encrypted), keys))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: message larger than 100000 bytes");
    }
}
